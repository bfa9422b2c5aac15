package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.apache.spark.sql.Row;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.RawEnvelope;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

class RawObjectParserTest {

    private static final RawObject OBJECT = new RawObject("file:/lake/raw/live_events/x.jsonl", 100, 0);
    private static final String TOKEN = "111~sGvKF4Yzr2AqdwShKj7CwwopgwJuMFONBqWu44Upk1F4jgkFvpXc9HY20PCU5r0";

    private static List<Row> rows(String text, String kind) {
        return RawObjectParser.parse(OBJECT, text).stream().filter(r -> r.getString(ParsedRecords.KIND).equals(kind))
                .toList();
    }

    private static String envelope(String id, String body, Map<String, String> attributes) {
        return RawEnvelope.line(new LiveEventMessage(id, Instant.parse("2026-08-24T10:00:00Z"), attributes, body));
    }

    @Test
    void aBrokenLineIsQuarantinedAloneWithItsLineAndTheOthersAreRead() {
        String good = Fixtures.read("canvas/05_logged_in.json");
        String text = envelope("m1", good, Map.of()) + "\n"
                + envelope("m2", good, Map.of()).substring(0, 80) + "\n"
                + envelope("m3", Fixtures.read("canvas/11_grade_change.json"), Map.of()) + "\n";
        assertThat(rows(text, ParsedRecords.EVENT)).extracting(r -> r.getString(ParsedRecords.MESSAGE_ID),
                r -> r.getLong(ParsedRecords.SOURCE_LINE)).containsExactly(tuple("m1", 1L), tuple("m3", 3L));
        List<Row> q = rows(text, ParsedRecords.QUARANTINE);
        assertThat(q).hasSize(1);
        assertThat(q.get(0).getString(ParsedRecords.REASON)).isEqualTo(Quarantine.BROKEN_JSON);
        assertThat(q.get(0).getLong(ParsedRecords.SOURCE_LINE)).isEqualTo(2L);
        assertThat(q.get(0).getString(ParsedRecords.RAW_TEXT)).startsWith("{\"message_id\":\"m2\"");
        Row summary = rows(text, ParsedRecords.OBJECT).get(0);
        assertThat(summary.getLong(ParsedRecords.LINES)).isEqualTo(3L);
        assertThat(summary.getLong(ParsedRecords.EVENTS)).isEqualTo(2L);
        assertThat(summary.getLong(ParsedRecords.QUARANTINED)).isEqualTo(1L);
    }

    @Test
    void tokensAreRedactedBeforeAnythingIsKept() {
        String secret = Fixtures.read("canvas/18_course_section_created.json");
        assertThat(secret).contains(TOKEN);
        String text = envelope("m1", secret, Map.of()) + "\n" + envelope("m2", secret, Map.of()).substring(0, 1500);
        for (Row r : RawObjectParser.parse(OBJECT, text)) {
            for (int i = 0; i < r.length(); i++) {
                Object v = r.get(i);
                assertThat(String.valueOf(v))
                        .doesNotContain(TOKEN);
            }
        }
        assertThat(rows(text, ParsedRecords.EVENT).get(0).getString(ParsedRecords.EVENT_JSON))
                .contains("access_token=REDACTED");
    }

    /** What people write stays as written: only credentials are masked, not words that look like them. */
    @Test
    void wordsThatOnlyLookLikeCredentialsAreKept() {
        ObjectNode event = (ObjectNode) Json.parse(Fixtures.read("canvas/14_course_created.json"));
        ((ObjectNode) event.get("body")).put("name", "Torchbearer Scholars: t-test (sig=0.05)");
        String text = envelope("m1", Json.write(event), Map.of()) + "\n";
        assertThat(rows(text, ParsedRecords.EVENT).get(0).getString(ParsedRecords.EVENT_JSON))
                .contains("Torchbearer Scholars: t-test (sig=0.05)");
    }

    @Test
    void readsBareEventsPrettyOrCompactAndFirehoseConcatenation() {
        String pretty = Fixtures.read("canvas/11_grade_change.json");
        String compact = Json.write(Json.parse(Fixtures.read("canvas/05_logged_in.json")));
        String concatenated = compact + Json.write(Json.parse(Fixtures.read("canvas/14_course_created.json")));
        String text = pretty + "\n" + compact + "\n" + concatenated + "\n";
        List<Row> events = rows(text, ParsedRecords.EVENT);
        assertThat(events).extracting(r -> r.getString(ParsedRecords.EVENT_NAME),
                        r -> r.getLong(ParsedRecords.SOURCE_LINE), r -> r.getInt(ParsedRecords.SOURCE_INDEX))
                .containsExactly(tuple("grade_change", 1L, 0), tuple("logged_in", 46L, 0),
                        tuple("logged_in", 47L, 0), tuple("course_created", 47L, 1));
        assertThat(events.get(0).get(ParsedRecords.RECEIVED_AT)).isNull();
        assertThat(rows(text, ParsedRecords.QUARANTINE)).isEmpty();
    }

    @Test
    void readsAnSqsDumpWithCaliperBodiesNamedByTheirAttributes() {
        String body = Fixtures.read("caliper/03_grade_change.json");
        String dump = "{\n  \"Messages\": [\n    {\n      \"MessageId\": \"d1\",\n      \"Body\": "
                + Json.write(Json.MAPPER.getNodeFactory().textNode(body))
                + ",\n      \"Attributes\": {\"SentTimestamp\": \"1573495200123\"},\n"
                + "      \"MessageAttributes\": {\"event_name\": {\"StringValue\": \"grade_change\", "
                + "\"DataType\": \"String\"}}\n    },\n    {\n      \"MessageId\": \"d2\",\n      \"Body\": "
                + Json.write(Json.MAPPER.getNodeFactory().textNode(body)) + "\n    }\n  ]\n}\n";
        List<Row> events = rows(dump, ParsedRecords.EVENT);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).getString(ParsedRecords.EVENT_ID))
                .isEqualTo("urn:uuid:319f0132-0584-4efd-9489-4959b7101731#grade_change");
        assertThat(events.get(0).get(ParsedRecords.RECEIVED_AT)).hasToString("2019-11-11T18:00:00.123Z");
        List<Row> q = rows(dump, ParsedRecords.QUARANTINE);
        assertThat(q).extracting(r -> r.getString(ParsedRecords.REASON), r -> r.getString(ParsedRecords.MESSAGE_ID))
                .containsExactly(tuple(Quarantine.NO_EVENT_NAME, "d2"));
    }

    @Test
    void gzipIsRecognisedByItsBytesWhateverTheName() throws IOException {
        String text = "{\"a\":1}\n";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(RawObjectStore.decode(bytes.toByteArray())).isEqualTo(text);
        assertThat(RawObjectStore.decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void theGunzipBufferIsSizedFromTheTrailerUnlessItCannotBeRight() throws IOException {
        StringBuilder lines = new StringBuilder();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            lines.append("{\"event\":").append(random.nextLong()).append("}\n");
        }
        String text = lines.toString();
        byte[] one = gzip(text);
        assertThat(RawObjectStore.gunzippedSize(one)).isEqualTo(text.length());
        // two members (appended to): the trailer is the last one's size; the buffer grows, nothing is lost
        byte[] two = java.util.Arrays.copyOf(one, one.length * 2);
        System.arraycopy(one, 0, two, one.length, one.length);
        assertThat(RawObjectStore.decode(two)).isEqualTo(text + text);
        // a cut object: its last bytes are compressed data, not a size
        byte[] cut = java.util.Arrays.copyOf(one, one.length - 7);
        assertThat(RawObjectStore.gunzippedSize(cut)).isBetween(1024, 32 * cut.length);
        assertThat(RawObjectStore.gunzippedSize(new byte[] {0x1f, (byte) 0x8b, 8})).isEqualTo(1024);
    }

    @Test
    void everyEventNameGetsItsFieldsWithTypes() {
        String text = envelope("m1", Fixtures.read("canvas/11_grade_change.json"), Map.of()) + "\n"
                + envelope("m2", Fixtures.read("canvas/25_user_updated.json"), Map.of());
        List<Row> fields = rows(text, ParsedRecords.FIELDS);
        assertThat(fields).extracting(r -> r.getString(ParsedRecords.EVENT_NAME))
                .containsExactlyInAnyOrder("grade_change", "user_updated");
        Row user = fields.stream().filter(r -> r.getString(ParsedRecords.EVENT_NAME).equals("user_updated"))
                .findFirst().orElseThrow();
        // the published "019-11-01T19:11:01.163Z" does not parse and is counted
        assertThat(user.getLong(ParsedRecords.UNPARSED_FIELD_TIMES)).isEqualTo(1L);
        scala.collection.Map<String, String> types = user.getMap(ParsedRecords.FIELD_TYPES);
        assertThat(types.get("updated_at").get()).isEqualTo("TIMESTAMP");
        assertThat(types.get("meta_user_local_id").get()).isEqualTo("BIGINT");
    }
}
