package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.lander.LiveEventMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

/** The fixtures of Instructure through the whole job: landed as the lander lands them, compacted, read back. */
@ExtendWith(SparkTest.class)
class EventsJobTest {

    static final String TOKEN = "111~sGvKF4Yzr2AqdwShKj7CwwopgwJuMFONBqWu44Upk1F4jgkFvpXc9HY20PCU5r0";

    /**
     * One events run; {@code --optimize never} unless {@code more} says otherwise, so that a test crossing UTC midnight
     * does not get a daily OPTIMIZE commit between the versions it compares ({@link TableOptimizeTest} tests that).
     */
    static RunReport run(SparkSession spark, Path lake, String... more) {
        EventsJob job = new EventsJob();
        List<String> args = new ArrayList<>(List.of("--lake", lake.toString()));
        args.addAll(List.of(more));
        if (!args.contains("--optimize")) {
            args.addAll(List.of("--optimize", "never"));
        }
        Options options = Options.parse(job.spec(), args);
        return job.runWith(spark, options, job.runReport(options));
    }

    static Dataset<Row> table(SparkSession spark, Path lake, String name) {
        return DeltaTables.read(spark, Lake.at(lake.toString()).table(name));
    }

    static long version(SparkSession spark, Path lake, String name) {
        return DeltaTable.forPath(spark, Lake.at(lake.toString()).table(name)).history(1).first().getLong(0);
    }

    static List<LiveEventMessage> allFixtures() {
        List<LiveEventMessage> messages = new ArrayList<>(RawInput.fixtureMessages("canvas",
                Instant.parse("2026-09-01T10:00:00Z")));
        messages.addAll(RawInput.fixtureMessages("caliper", Instant.parse("2026-09-01T11:00:00Z")));
        return messages;
    }

    @Test
    void everyPublishedFixtureCompactsWithoutQuarantineAndNoTokenReachesTheTables(SparkSession spark,
                                                                                   @TempDir Path lake) {
        List<LiveEventMessage> messages = allFixtures();
        RawInput.land(lake, messages, 10);
        String codec = spark.conf().get("spark.sql.parquet.compression.codec");
        // uncompressed data files, so that a byte search below can see every string written
        spark.conf().set("spark.sql.parquet.compression.codec", "uncompressed");
        RunReport report;
        try {
            report = run(spark, lake);
        } finally {
            spark.conf().set("spark.sql.parquet.compression.codec", codec);
        }

        assertThat(report.failures()).isEmpty();
        assertThat(report.counter("quarantined")).isZero();
        assertThat(report.counter("events_read")).isEqualTo(messages.size());
        assertThat(report.counter("timestamps_unparsed")).isZero();
        // user_updated's published "019-11-01T19:11:01.163Z"
        assertThat(report.counter("timestamps_unparsed_fields")).isEqualTo(1);
        Dataset<Row> live = table(spark, lake, LiveStreamTable.NAME);
        assertThat(live.count()).isEqualTo(messages.size());
        assertThat(live.select("event_id").distinct().count()).isEqualTo(messages.size());
        assertThat(live.where(col("format").equalTo("caliper")).count())
                .isEqualTo(Fixtures.list("caliper", ".json").size());

        // Delta statistics for the times and the numeric ids, none for the kilobyte event JSON or the random event ids
        Row detail = spark.sql("DESCRIBE DETAIL delta.`" + Lake.at(lake.toString()).table(LiveStreamTable.NAME) + "`")
                .first();
        assertThat(detail.<String, String>getJavaMap(detail.fieldIndex("properties")).get(
                "delta.dataSkippingStatsColumns")).contains("event_time", "received_at", "user_local_id")
                .doesNotContain("event_json", "event_id", "source_object", "message_id");
        // the product job and the mirror read the live stream's Change Data Feed: on from its first commit
        assertThat(detail.<String, String>getJavaMap(detail.fieldIndex("properties")).get(
                DeltaChanges.FEED_PROPERTY)).isEqualTo("true");
        // a ~100-column per-type table keeps statistics of its times only
        Row typedDetail = spark.sql("DESCRIBE DETAIL delta.`" + Lake.at(lake.toString()).table("events.grade_change")
                + "`").first();
        assertThat(typedDetail.<String, String>getJavaMap(typedDetail.fieldIndex("properties")).get(
                "delta.dataSkippingStatsColumns")).isEqualTo("event_time,received_at");

        Row grade = live.where(col("event_name").equalTo("grade_change").and(col("format").equalTo("canvas"))
                .and(col("user_id").equalTo("21070000000000987"))).first();
        assertThat(grade.<Timestamp>getAs("event_time").toInstant()).isEqualTo(Instant.parse("2019-11-01T19:11:05.222Z"));
        assertThat(grade.<Long>getAs("user_local_id")).isEqualTo(987L);
        assertThat(grade.<Long>getAs("course_local_id")).isEqualTo(565L);
        assertThat(grade.<Long>getAs("assignment_local_id")).isEqualTo(355L);
        assertThat(grade.<String>getAs("root_account_id")).isEqualTo("21070000000000001");
        assertThat(grade.<Object>getAs("dt")).hasToString("2019-11-01");

        Row course = live.where(col("event_name").equalTo("course_updated").and(col("format").equalTo("canvas")))
                .first();
        assertThat(course.<String>getAs("event_time_raw")).isEqualTo("2019-11-05 07:38:00 -0800");
        assertThat(course.<Timestamp>getAs("event_time").toInstant()).isEqualTo(Instant.parse("2019-11-05T15:38:00Z"));

        Row caliper = live.where(col("event_id").equalTo("urn:uuid:319f0132-0584-4efd-9489-4959b7101731#grade_change"))
                .first();
        assertThat(caliper.<Long>getAs("user_local_id")).isEqualTo(987L);
        assertThat(caliper.<Long>getAs("assignment_local_id")).isEqualTo(355L);
        assertThat(caliper.<String>getAs("message_id")).isEqualTo("caliper-03_grade_change.json");

        Dataset<Row> grades = table(spark, lake, "events.grade_change");
        StructType schema = grades.schema();
        assertThat(schema.apply("score").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(schema.apply("grading_complete").dataType()).isEqualTo(DataTypes.BooleanType);
        assertThat(schema.apply("meta_user_local_id").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(schema.apply("generated__score_given").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(schema.apply("meta_request_id").dataType()).isEqualTo(DataTypes.StringType);
        assertThat(schema.apply("event_time").dataType()).isEqualTo(DataTypes.TimestampType);
        // the published grade_override example says event_name "grade_change": it lands in that table
        assertThat(grades.count()).isEqualTo(3);
        assertThat(grades.where(col("format").equalTo("canvas")).select("student_local_id").collectAsList())
                .extracting(r -> r.isNullAt(0) ? null : r.getLong(0)).containsExactlyInAnyOrder(48L, null);
        Row user = table(spark, lake, "events.user_updated").first();
        assertThat(user.<Object>getAs("updated_at")).isNull();
        assertThat(user.<Timestamp>getAs("created_at").toInstant()).isEqualTo(Instant.parse("2019-05-01T19:32:25Z"));

        // the token of course_section_created is nowhere outside raw/: not in any row, not in any file's bytes
        Lake at = Lake.at(lake.toString());
        for (String t : LakeCatalog.discover(spark, at)) {
            for (Row r : DeltaTables.read(spark, at.table(t)).collectAsList()) {
                assertThat(r.toString()).as(t).doesNotContain(TOKEN);
            }
        }
        assertThat(table(spark, lake, "events.course_section_created").first().<String>getAs("meta_url"))
                .contains("access_token=REDACTED");
        assertThat(filesOutsideRaw(lake)).isNotEmpty().allSatisfy(f ->
                assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(f.toString()).doesNotContain(TOKEN));

        // a second run finds nothing new and changes nothing
        long before = version(spark, lake, LiveStreamTable.NAME);
        RunReport again = run(spark, lake);
        assertThat(again.failures()).isEmpty();
        assertThat(again.counter("raw_objects")).isZero();
        assertThat(again.notes()).singleElement(STRING)
                .contains("No new raw objects").contains("all compacted already");
        assertThat(version(spark, lake, LiveStreamTable.NAME)).isEqualTo(before);
        // a raw location with nothing in it says so, and where the run looked: a wrong --raw is no silent success
        RunReport nowhere = run(spark, lake, "--raw", lake.resolve("raw/no_such_folder").toString());
        assertThat(nowhere.failures()).isEmpty();
        assertThat(nowhere.notes()).singleElement(STRING)
                .contains("No raw objects under").contains("no_such_folder").contains("--raw");
    }

    /**
     * A live stream written before the table was created with its Change Data Feed on gets it switched on by the next
     * run that writes it, before that run's commit: the product job's role on AWS only reads {@code events/}, so it
     * cannot switch it on itself, and without the feed it would rebuild in full every run.
     */
    @Test
    void aLiveStreamWithoutTheChangeDataFeedGetsItFromTheNextRunThatWritesIt(SparkSession spark, @TempDir Path lake) {
        RawInput.land(lake, RawInput.fixtureMessages("canvas", Instant.parse("2026-09-01T10:00:00Z")), 10);
        assertThat(run(spark, lake).failures()).isEmpty();
        String path = Lake.at(lake.toString()).table(LiveStreamTable.NAME);
        spark.sql("ALTER TABLE delta.`" + path + "` SET TBLPROPERTIES (" + DeltaChanges.FEED_PROPERTY + " = false)");
        assertThat(DeltaChanges.feedEnabled(spark, path)).isFalse();

        RawInput.land(lake, RawInput.fixtureMessages("caliper", Instant.parse("2026-09-01T11:00:00Z")), 10);
        RunReport next = run(spark, lake);
        assertThat(next.failures()).isEmpty();
        assertThat(next.notes()).anySatisfy(n -> assertThat(n).contains("switched on the Change Data Feed"));
        assertThat(DeltaChanges.feedEnabled(spark, path)).isTrue();
        // the run's own commit is in the feed: the caliper events, as inserts
        long last = version(spark, lake, LiveStreamTable.NAME);
        Dataset<Row> changes;
        try {
            changes = DeltaChanges.changes(spark, path, last, last);
        } catch (DeltaChanges.ChangesUnavailable e) {
            throw new AssertionError(e);
        }
        assertThat(changes.where(col(DeltaChanges.CHANGE_TYPE).equalTo("insert")).count())
                .isEqualTo(Fixtures.list("caliper", ".json").size());
    }

    /**
     * A time before the Gregorian calendar's start (a due date typed as year 0202, an event time of year 19) is a
     * value like any other: written as it is, never a failed write. Spark's default for such values is to fail the
     * Parquet write, which would fail the batch and every later run that reads the same objects again.
     */
    @Test
    void timesBeforeTheGregorianCalendarAreWrittenAsTheyAre(SparkSession spark, @TempDir Path lake) {
        Instant received = Instant.parse("2026-09-01T10:00:00Z");
        RawInput.land(lake, List.of(
                new LiveEventMessage("m-due", received, java.util.Map.of("event_name", "assignment_updated"),
                        "{\"metadata\": {\"event_name\": \"assignment_updated\", \"event_time\":"
                                + " \"2026-09-01T09:00:00.000Z\", \"user_id\": \"1\"}, \"body\": {\"assignment_id\":"
                                + " \"5\", \"due_at\": \"0202-09-01T05:59:59Z\"}}"),
                new LiveEventMessage("m-old", received, java.util.Map.of("event_name", "assignment_updated"),
                        "{\"metadata\": {\"event_name\": \"assignment_updated\", \"event_time\":"
                                + " \"0019-11-01T19:11:01.163Z\", \"user_id\": \"1\"}, \"body\": {\"assignment_id\":"
                                + " \"6\", \"due_at\": \"2026-09-08T05:59:59Z\"}}")), 10);

        RunReport report = run(spark, lake);

        assertThat(report.failures()).isEmpty();
        assertThat(report.counter("events_read")).isEqualTo(2);
        Lake at = Lake.at(lake.toString());
        assertThat(DeltaTables.read(spark, at.table("events.assignment_updated"))
                .selectExpr("CAST(due_at AS STRING)", "CAST(event_time AS STRING)").orderBy("due_at").collectAsList())
                .extracting(r -> r.getString(0) + " / " + r.getString(1)).containsExactly(
                        "0202-09-01 05:59:59 / 2026-09-01 09:00:00",
                        "2026-09-08 05:59:59 / 0019-11-01 19:11:01.163");
        assertThat(DeltaTables.read(spark, at.table(EventsLedger.NAME)).count()).as("objects recorded").isOne();
    }

    /**
     * Some platforms set {@code spark.sql.datetime.java8API.enabled}: rows then carry {@code java.time} values, and a
     * run must read them as such (the run summary read each object's time as a {@code java.sql.Timestamp}, and
     * failed with a ClassCastException on every run with an object to read).
     */
    @Test
    void aRunInASessionWithJavaTimeValuesCompactsAndRecordsItsObjects(SparkSession spark, @TempDir Path lake) {
        RawInput.land(lake, RawInput.fixtureMessages("canvas", Instant.parse("2026-09-01T10:00:00Z")), 10);
        spark.conf().set("spark.sql.datetime.java8API.enabled", "true");
        RunReport report;
        try {
            report = run(spark, lake);
        } finally {
            spark.conf().unset("spark.sql.datetime.java8API.enabled");
        }

        assertThat(report.failures()).isEmpty();
        assertThat(report.counter("events_read")).isEqualTo(Fixtures.list("canvas", ".json").size());
        Dataset<Row> ledger = DeltaTables.read(spark, Lake.at(lake.toString()).table(EventsLedger.NAME));
        assertThat(ledger.count()).isEqualTo(report.counter("raw_objects")).isPositive();
        assertThat(ledger.where(col("modified_at").isNull()).count()).isZero();
    }

    /**
     * A column keeps the type it was created with: a later value that does not convert to it is stored as null, and
     * the run report counts it (the count was kept, and never reported).
     */
    @Test
    void aValueThatDoesNotFitItsColumnIsCounted(SparkSession spark, @TempDir Path lake) {
        RawInput.land(lake, List.of(grade("m-1", Instant.parse("2026-09-01T10:00:00Z"), "10")), 10);
        assertThat(run(spark, lake).counter("values_unconverted")).isZero();
        RawInput.land(lake, List.of(grade("m-2", Instant.parse("2026-09-01T11:00:00Z"), "\"nine and a half\"")), 10);

        RunReport next = run(spark, lake);

        assertThat(next.failures()).isEmpty();
        assertThat(next.counter("values_unconverted")).isOne();
        assertThat(next.notes()).anySatisfy(n -> assertThat(n).contains("events.grade_change", "score"));
        assertThat(DeltaTables.read(spark, Lake.at(lake.toString()).table("events.grade_change"))
                .where(col("score").isNull()).count()).isOne();
    }

    private static LiveEventMessage grade(String id, Instant received, String score) {
        return new LiveEventMessage(id, received, java.util.Map.of("event_name", "grade_change"),
                "{\"metadata\": {\"event_name\": \"grade_change\", \"event_time\": \"" + received + "\"},"
                        + " \"body\": {\"submission_id\": \"" + id + "\", \"score\": " + score + "}}");
    }

    static List<Path> filesOutsideRaw(Path lake) {
        try (Stream<Path> s = Files.walk(lake)) {
            return s.filter(Files::isRegularFile).filter(p -> !lake.relativize(p).startsWith("raw")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
