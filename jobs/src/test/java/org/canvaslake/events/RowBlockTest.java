package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.RawEnvelope;
import org.junit.jupiter.api.Test;

import scala.Function1;

class RowBlockTest {

    private static final RawObject OBJECT = new RawObject("file:/lake/raw/live_events/x.jsonl", 100, 0);

    /** Parsed rows of ~600 events of two names (several chunks' worth), a broken line, the object and field rows. */
    private static List<Row> parsedRows() {
        StringBuilder text = new StringBuilder();
        String loggedIn = Fixtures.read("canvas/05_logged_in.json");
        String gradeChange = Fixtures.read("canvas/11_grade_change.json");
        for (int i = 0; i < 600; i++) {
            // distinct bodies: every event its own id
            String body = (i % 3 == 0 ? gradeChange : loggedIn).replaceFirst("\\{", "{\"n\":" + i + ",");
            text.append(RawEnvelope.line(new LiveEventMessage("m" + i, Instant.parse("2026-08-24T10:00:00Z"), Map.of(),
                    body))).append('\n');
            if (i == 300) {
                text.append("{\"broken\n");
            }
        }
        return RawObjectParser.parse(OBJECT, text.toString());
    }

    /** What identifies a row: kind, id, name, source line, and the event JSON. */
    private static String describe(String kind, String id, String name, long line, String json) {
        return kind + "|" + id + "|" + name + "|" + line + "|" + (json == null ? "" : json);
    }

    private static String describe(Row r) {
        return describe(r.getString(ParsedRecords.KIND), r.getString(ParsedRecords.EVENT_ID),
                r.getString(ParsedRecords.EVENT_NAME), r.isNullAt(ParsedRecords.SOURCE_LINE) ? -1
                        : r.getLong(ParsedRecords.SOURCE_LINE), r.getString(ParsedRecords.EVENT_JSON));
    }

    private static List<String> describe(Iterator<InternalRow> rows) {
        List<String> out = new ArrayList<>();
        rows.forEachRemaining(r -> out.add(describe(r.getUTF8String(ParsedRecords.KIND).toString(),
                r.isNullAt(ParsedRecords.EVENT_ID) ? null : r.getUTF8String(ParsedRecords.EVENT_ID).toString(),
                r.isNullAt(ParsedRecords.EVENT_NAME) ? null : r.getUTF8String(ParsedRecords.EVENT_NAME).toString(),
                r.isNullAt(ParsedRecords.SOURCE_LINE) ? -1 : r.getLong(ParsedRecords.SOURCE_LINE),
                r.isNullAt(ParsedRecords.EVENT_JSON) ? null : r.getUTF8String(ParsedRecords.EVENT_JSON).toString())));
        return out;
    }

    private static List<String> expected(List<Row> rows, String kind, Set<String> names) {
        return rows.stream().filter(r -> r.getString(ParsedRecords.KIND).equals(kind)
                && (names == null || names.contains(r.getString(ParsedRecords.EVENT_NAME))))
                .map(RowBlockTest::describe).toList();
    }

    @Test
    void everyRowComesBackOnceByKindAndEventsByNameInTheirOrder() {
        List<Row> rows = parsedRows();
        RowBlock block = RowBlock.of(rows.iterator());

        assertThat(expected(rows, ParsedRecords.EVENT, null)).hasSize(600);
        // the events: several chunks' worth, each name's in the order they were read
        assertThat(rows.stream().filter(r -> r.getString(ParsedRecords.KIND).equals(ParsedRecords.EVENT))
                .mapToLong(r -> r.getString(ParsedRecords.EVENT_JSON).getBytes(StandardCharsets.UTF_8).length).sum())
                .isGreaterThan(2L * RowBlock.CHUNK_BYTES);
        assertThat(describe(block.events(List.of("logged_in"))))
                .containsExactlyElementsOf(expected(rows, ParsedRecords.EVENT, Set.of("logged_in")));
        assertThat(describe(block.events(List.of("grade_change", "no_such_event"))))
                .containsExactlyElementsOf(expected(rows, ParsedRecords.EVENT, Set.of("grade_change")));
        assertThat(describe(block.rows(List.of(ParsedRecords.EVENT))))
                .containsExactlyInAnyOrderElementsOf(expected(rows, ParsedRecords.EVENT, null));
        for (String kind : List.of(ParsedRecords.QUARANTINE, ParsedRecords.OBJECT, ParsedRecords.FIELDS)) {
            assertThat(describe(block.rows(List.of(kind)))).as(kind)
                    .isNotEmpty().containsExactlyElementsOf(expected(rows, kind, null));
        }
        assertThat(describe(block.rows(List.of(ParsedRecords.EVENT, ParsedRecords.QUARANTINE, ParsedRecords.OBJECT,
                ParsedRecords.FIELDS)))).hasSize(rows.size());
    }

    @Test
    void aBlockWrittenToDiskAndReadBackHoldsTheSameRows() throws Exception {
        // Spark serialises a cached block when it moves it to disk
        RowBlock block = RowBlock.of(parsedRows().iterator());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(block);
        }
        RowBlock back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (RowBlock) in.readObject();
        }
        List<String> all = List.of(ParsedRecords.EVENT, ParsedRecords.QUARANTINE, ParsedRecords.OBJECT,
                ParsedRecords.FIELDS);
        assertThat(describe(back.rows(all))).containsExactlyElementsOf(describe(block.rows(all)));
    }

    @Test
    void theEncoderWritesTheBytesSparksConvertersWrite() {
        // both ways Spark may want times (java.time or java.sql, see SparkTime), every kind of row
        for (boolean java8Time : List.of(true, false)) {
            List<Row> rows = new ArrayList<>();
            String text = String.join("\n", RawEnvelope.line(new LiveEventMessage("m1",
                            Instant.parse("2026-08-24T10:00:00.123Z"), Map.of(), Fixtures.read("canvas/11_grade_change.json"))),
                    RawEnvelope.line(new LiveEventMessage("m2", Instant.parse("2026-08-24T10:00:01Z"),
                            Map.of("event_name", "asset_accessed"), Fixtures.read("caliper/05_asset_accessed.json"))),
                    "{\"broken");
            RawObjectParser.Task task = new RawObjectParser.Task(3, java8Time);
            task.text(OBJECT, text, rows::add);
            task.summary(rows::add);
            assertThat(rows).extracting(r -> r.getString(ParsedRecords.KIND)).contains(ParsedRecords.EVENT,
                    ParsedRecords.QUARANTINE, ParsedRecords.OBJECT, ParsedRecords.FIELDS);
            assertThat(rows.stream().filter(r -> !r.isNullAt(ParsedRecords.EVENT_TIME))).hasSize(2);

            Function1<Object, Object> toInternal = CatalystTypeConverters.createToCatalystConverter(ParsedRecords.SCHEMA);
            UnsafeProjection spark = UnsafeProjection.create(ParsedRecords.SCHEMA);
            RowBlock.Encoder encoder = new RowBlock.Encoder();
            for (Row r : rows) {
                assertThat(encoder.apply(r)).as(java8Time + " " + r)
                        .isEqualTo(spark.apply((InternalRow) toInternal.apply(r)));
            }
        }
    }

    @Test
    void aRowLargerThanAChunkGetsAChunkOfItsOwn() {
        String big = Fixtures.read("canvas/05_logged_in.json").replaceFirst("\\{",
                "{\"padding\":\"" + "x".repeat(RowBlock.CHUNK_BYTES) + "\",");
        String text = RawEnvelope.line(new LiveEventMessage("m1", Instant.parse("2026-08-24T10:00:00Z"), Map.of(),
                big)) + "\n";
        List<Row> rows = RawObjectParser.parse(OBJECT, text);
        RowBlock block = RowBlock.of(rows.iterator());
        assertThat(describe(block.events(List.of("logged_in"))))
                .containsExactlyElementsOf(expected(rows, ParsedRecords.EVENT, Set.of("logged_in")))
                .hasSize(1);
    }
}
