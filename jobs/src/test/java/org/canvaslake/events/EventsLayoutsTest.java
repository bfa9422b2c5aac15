package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.canvaslake.events.EventsJobTest.run;
import static org.canvaslake.events.EventsJobTest.table;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.RawEnvelope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What people already have, read with --raw: bare JSON lines, Firehose objects, SQS dumps; and new fields. */
@ExtendWith(SparkTest.class)
class EventsLayoutsTest {

    private static String compact(String fixture) {
        return Json.write(Json.parse(Fixtures.read(fixture)));
    }

    private static String sqsMessage(String id, String fixture, String eventName) {
        ObjectNode m = Json.object();
        m.put("MessageId", id);
        m.put("ReceiptHandle", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a");
        m.put("Body", Fixtures.read(fixture));
        m.putObject("Attributes").put("SentTimestamp", "1573495200123");
        ObjectNode attrs = m.putObject("MessageAttributes");
        attrs.putObject("event_name").put("StringValue", eventName).put("DataType", "String");
        return m.toPrettyString();
    }

    @Test
    void readsBareLinesFirehoseObjectsSqsDumpsAndQuarantinesOnlyTheBrokenLine(SparkSession spark, @TempDir Path dir)
            throws IOException {
        Path raw = dir.resolve("exports");
        // bare Canvas events, one pretty-printed (as published) and one compact
        RawInput.write(raw.resolve("bare/events.json"), Fixtures.read("canvas/11_grade_change.json") + "\n"
                + compact("canvas/05_logged_in.json") + "\n");
        // a Firehose object: documents concatenated without newlines, gzip, no file extension
        gzip(raw.resolve("firehose/2026/09/01/stream-1-2026-09-01-10-00-00-abc"),
                compact("canvas/14_course_created.json") + compact("canvas/27_assignment_created.json"));
        // the output of aws sqs receive-message, Caliper bodies named by their message attributes
        RawInput.write(raw.resolve("dumps/receive-1.json"), "{\n  \"Messages\": [\n"
                + sqsMessage("s1", "caliper/03_grade_change.json", "grade_change") + ",\n"
                + sqsMessage("s2", "caliper/16_submission_created.json", "submission_created") + "\n  ]\n}\n");
        // envelope lines, plain text, the second line cut short
        String a = RawEnvelope.line(new LiveEventMessage("e1", Instant.parse("2026-09-01T10:00:00Z"), Map.of(),
                Fixtures.read("canvas/32_discussion_entry_created.json")));
        String b = RawEnvelope.line(new LiveEventMessage("e2", Instant.parse("2026-09-01T10:00:01Z"), Map.of(),
                Fixtures.read("canvas/09_submission_updated.json")));
        String c = RawEnvelope.line(new LiveEventMessage("e3", Instant.parse("2026-09-01T10:00:02Z"), Map.of(),
                Fixtures.read("canvas/28_assignment_updated.json")));
        RawInput.write(raw.resolve("envelopes/part-0.jsonl"), a + "\n" + b.substring(0, b.length() / 2) + "\n" + c + "\n");

        Path lake = dir.resolve("lake");
        RunReport report = run(spark, lake, "--raw", raw.toString());

        assertThat(report.failures()).isEmpty();
        assertThat(report.counter("raw_objects")).isEqualTo(4);
        assertThat(table(spark, lake, LiveStreamTable.NAME).orderBy("event_name").collectAsList())
                .extracting(r -> r.getString(r.fieldIndex("event_name")), r -> r.getString(r.fieldIndex("format")))
                .containsExactly(tuple("assignment_created", "canvas"), tuple("assignment_updated", "canvas"),
                        tuple("course_created", "canvas"), tuple("discussion_entry_created", "canvas"),
                        tuple("grade_change", "caliper"), tuple("grade_change", "canvas"),
                        tuple("logged_in", "canvas"), tuple("submission_created", "caliper"));
        Row sqs = table(spark, lake, LiveStreamTable.NAME).where(col("message_id").equalTo("s1")).first();
        assertThat(sqs.getTimestamp(sqs.fieldIndex("received_at")).toInstant())
                .isEqualTo(Instant.parse("2019-11-11T18:00:00.123Z"));
        List<Row> quarantine = table(spark, lake, QuarantineTable.NAME).collectAsList();
        assertThat(quarantine).hasSize(1);
        Row q = quarantine.get(0);
        assertThat(q.getString(q.fieldIndex("reason"))).isEqualTo(Quarantine.BROKEN_JSON);
        assertThat(q.getString(q.fieldIndex("source_object"))).endsWith("envelopes/part-0.jsonl");
        assertThat(q.getLong(q.fieldIndex("source_line"))).isEqualTo(2L);
        assertThat(q.getString(q.fieldIndex("raw_text"))).isEqualTo(b.substring(0, b.length() / 2));
    }

    @Test
    void newFieldsBecomeNewColumnsAndAreReported(SparkSession spark, @TempDir Path lake) {
        // attachment_updated as published has old_display_name; an older shape without it comes first
        ObjectNode older = (ObjectNode) Json.parse(Fixtures.read("canvas/41_attachment_updated.json"));
        ((ObjectNode) older.get("body")).remove("old_display_name");
        ((ObjectNode) older.get("metadata")).put("event_time", "2019-11-01T19:00:00.000Z");
        RawInput.land(lake, List.of(new LiveEventMessage("old", Instant.parse("2026-09-01T10:00:00Z"), Map.of(),
                Json.write(older))), 10);
        RunReport first = run(spark, lake);
        assertThat(first.failures()).isEmpty();
        assertThat(table(spark, lake, "events.attachment_updated").columns()).doesNotContain("old_display_name");

        RawInput.land(lake, List.of(new LiveEventMessage("new", Instant.parse("2026-09-01T11:00:00Z"), Map.of(),
                Fixtures.read("canvas/41_attachment_updated.json"))), 10);
        RunReport second = run(spark, lake);

        assertThat(second.failures()).isEmpty();
        assertThat(second.counter("new_fields")).isEqualTo(1);
        assertThat(second.tableCount("events.attachment_updated", "new_columns")).isEqualTo(1);
        assertThat(second.notes()).anySatisfy(n -> assertThat(n).contains("events.attachment_updated")
                .contains("old_display_name"));
        assertThat(table(spark, lake, "events.attachment_updated").orderBy("event_time")
                .select("message_id", "old_display_name").collectAsList())
                .extracting(r -> r.getString(0), r -> r.getString(1))
                .containsExactly(tuple("old", null), tuple("new", "lsa_flyer_v3-0-4.pdf"));
    }

    private static void gzip(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(file, bytes.toByteArray());
    }
}
