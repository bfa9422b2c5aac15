package org.canvaslake.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Instructure's published events (shard 2107, global ids such as {@code 21070000000014012}) joined with entities
 * that carry local ids, including a user of another shard with the same local id.
 */
@ExtendWith(SparkTest.class)
class FixtureEventsTest {

    private final SparkSession spark;

    FixtureEventsTest(SparkSession spark) {
        this.spark = spark;
    }

    @Test
    void publishedEventsJoinOnTheirLocalIdsWithinTheirShard(@TempDir Path dir) throws Exception {
        Lake lake = Lake.at(dir.toString());
        LakeInputs inputs = new LakeInputs(spark, lake);
        List<Row> events = new ArrayList<>();
        for (String file : List.of("canvas/08_submission_created.json", "canvas/05_logged_in.json")) {
            events.add(liveStreamRow(file, Json.MAPPER.readTree(Fixtures.read(file))));
        }
        inputs.appendEvents(events);
        Instant snap = Instant.parse("2019-10-01T00:00:00Z");
        Timestamp t = Timestamp.from(snap);
        inputs.writeRows("canvas.users", LakeInputs.USERS, List.of(
                RowFactory.create(14012L, "14012", "Sam Submitter", "Submitter, Sam", "Sam", "sam", "sam@example.edu",
                        "S-14012", t, false, t),
                // the same local id on another shard (a cross-shard user, which the API gives in global form)
                RowFactory.create(30_000_000_000_014_012L, "30000000000014012", "Other Shard", "Shard, Other", "Other",
                        "other", "other@example.edu", "S-OTHER", t, false, t),
                RowFactory.create(1L, "1", "Oxana Admin", "Admin, Oxana", "Oxana", "oxana@example.com",
                        "oxana@example.com", "456-T45", t, false, t)));
        inputs.writeRows("canvas.assignments", LakeInputs.ASSIGNMENTS, List.of(RowFactory.create(1_234_012L,
                "1234012", 777L, "Test Assignment", Timestamp.from(Instant.parse("2019-11-02T00:00:00Z")), 100.0,
                "online_text_entry", "published", t, t, false, t)));
        inputs.writeRows("canvas.courses", LakeInputs.COURSES, List.of(RowFactory.create(777L, "777",
                "Oxana's Course", "OX-101", "available", 1L, 1L, "SIS-777", t, null, t, false, t)));

        ProductJob job = new ProductJob();
        RunReport report = job.runWith(spark, Options.parse(job.spec(), List.of("--lake", lake.root()), n -> null,
                new SecretResolver(n -> null, n -> null, n -> null)), RunReport.start("product"));
        assertThat(report.failures()).as(report.toText()).isEmpty();

        Map<String, Row> rows = new HashMap<>();
        DeltaTables.read(spark, lake.table(ProductSchema.TABLE)).collectAsList()
                .forEach(r -> rows.put(r.getAs("event_name"), r));
        Row submission = rows.get("submission_created");
        assertThat(submission.<String>getAs("user_global_id")).isEqualTo("21070000000014012");
        assertThat(submission.<Long>getAs("user_local_id")).isEqualTo(14012L);
        assertThat(submission.<String>getAs("user_name")).isEqualTo("Sam Submitter");
        assertThat(submission.<String>getAs("assignment_name")).isEqualTo("Test Assignment");
        assertThat(submission.<String>getAs("course_global_id")).isEqualTo("21070000000000777");
        assertThat(submission.<String>getAs("course_name")).isEqualTo("Oxana's Course");
        assertThat(submission.<Boolean>getAs("submission_late")).isFalse();
        assertThat(submission.<String>getAs("root_account_global_id")).isEqualTo("21070000000000001");
        Row login = rows.get("logged_in");
        assertThat(login.<String>getAs("user_name")).isEqualTo("Oxana Admin");
        assertThat(login.<Boolean>getAs("course_known")).isNull();
        assertThat(report.tableCount(ProductSchema.TABLE, "user_unmatched")).isZero();
    }

    /** The minimal part of what the events job extracts from a Canvas-format event. */
    private static Row liveStreamRow(String file, JsonNode event) {
        JsonNode m = event.path("metadata");
        JsonNode b = event.path("body");
        Instant time = Instant.parse(m.path("event_time").asText());
        String user = text(m, "user_id") != null ? text(m, "user_id") : text(b, "user_id");
        String contextType = text(m, "context_type");
        String contextId = text(m, "context_id");
        String assignment = text(b, "assignment_id");
        return RowFactory.create(file, text(m, "event_name"), "canvas", Timestamp.from(time), m.path("event_time")
                        .asText(), Timestamp.from(time.plusSeconds(1)), user, null, contextType, contextId, null,
                "Course".equals(contextType) ? contextId : null, null, assignment, null,
                text(m, "root_account_id"), event.toString(), file,
                Date.valueOf(time.atZone(ZoneOffset.UTC).toLocalDate()));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
