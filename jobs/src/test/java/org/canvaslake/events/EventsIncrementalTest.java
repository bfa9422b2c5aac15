package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.canvaslake.events.EventsJobTest.run;
import static org.canvaslake.events.EventsJobTest.table;
import static org.canvaslake.events.EventsJobTest.version;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.delta.tables.DeltaTable;

/**
 * Sandbox events (with redeliveries, re-serialised copies, late and malformed messages) through several runs:
 * duplicates dropped, only new objects read, a crash before the ledger recovered, a re-read changing nothing, and
 * a --full rebuild equal to the incremental result.
 */
@ExtendWith(SparkTest.class)
class EventsIncrementalTest {

    private static final String[] TYPES = {"grade_change", "discussion_entry_created"};

    private static LiveEventGenerator generator(long seed) {
        return SandboxEventsCommand.generator(seed).only(TYPES).duplicateShare(0.15).malformedShare(0.03)
                .lateShare(0.05).days(2);
    }

    /**
     * The distinct events among generated messages, computed here without the job's code: Canvas events by their
     * canonical JSON, Caliper events by data id and name; malformed or nameless messages are not events.
     */
    private static Set<String> distinctEvents(List<LiveEventGenerator.Message> messages) {
        Set<String> keys = new HashSet<>();
        for (LiveEventGenerator.Message m : messages) {
            JsonNode body;
            try {
                body = Json.parse(m.body());
            } catch (RuntimeException e) {
                continue;
            }
            if (body.path("metadata").path("event_name").isTextual()) {
                keys.add(Json.canonical(body));
            } else if (body.path("data").isArray() && m.attributes().containsKey("event_name")) {
                keys.add(body.path("data").get(0).path("id").asText() + m.attributes().get("event_name"));
            }
        }
        return keys;
    }

    private static List<Row> sorted(SparkSession spark, Path lake, String name, String... drop) {
        return table(spark, lake, name).drop(drop).orderBy(table(spark, lake, name).columns()[0]).collectAsList();
    }

    @Test
    void duplicatesDroppedNewObjectsOnlyCrashRecoveredAndFullRebuildEqual(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Path lake = dir.resolve("lake");
        List<LiveEventGenerator.Message> first = generator(1).list(400);
        SandboxEventsCommand.land(generator(1), 400, lake, 10);

        RunReport one = run(spark, lake);
        assertThat(one.failures()).isEmpty();
        Set<String> expected = distinctEvents(first);
        assertThat(table(spark, lake, LiveStreamTable.NAME).count()).isEqualTo(expected.size());
        assertThat(one.counter("duplicates_in_run")).isEqualTo(one.counter("events_read") - expected.size())
                .isGreaterThan(10);
        assertThat(one.counter("quarantined")).isGreaterThan(0)
                .isEqualTo(table(spark, lake, QuarantineTable.NAME).count());
        long typed = table(spark, lake, "events.grade_change").count()
                + table(spark, lake, "events.discussion_entry_created").count();
        assertThat(typed).isEqualTo(expected.size());
        long objectsFirst = one.counter("raw_objects");

        // new objects arrive, among them a late redelivery of 20 messages of the first run; the run dies after
        // writing the data, before the ledger
        List<LiveEventGenerator.Message> second = generator(2).list(300);
        SandboxEventsCommand.land(generator(2), 300, lake, 10);
        RawInput.land(lake, first.subList(100, 120).stream().map(m -> new LiveEventMessage(m.messageId(),
                m.receivedAt(), m.attributes(), m.body())).toList(), 20);
        RunReport crashed = crashedRun(spark, EventsJob.CRASH_BEFORE_LEDGER, "--lake", lake.toString());
        assertThat(crashed.failures()).extracting(RunReport.Failure::message)
                .anySatisfy(m -> assertThat(m).contains(EventsJob.CRASH_BEFORE_LEDGER));
        // the redelivered events were in the lake already: only the second set's events were new
        assertThat(crashed.tableCount(LiveStreamTable.NAME, "inserted")).isEqualTo(distinctEvents(second).size());
        assertThat(crashed.counter("duplicates_already_in_lake")).isGreaterThan(0);

        // the next run reads the same new objects again (the ledger did not record them) and nothing doubles
        RunReport two = run(spark, lake);
        assertThat(two.failures()).isEmpty();
        assertThat(two.counter("raw_objects")).isEqualTo(crashed.counter("raw_objects"))
                .isEqualTo(two.counter("raw_objects_listed") - objectsFirst);
        Set<String> all = new HashSet<>(expected);
        all.addAll(distinctEvents(second));
        assertThat(table(spark, lake, LiveStreamTable.NAME).count()).isEqualTo(all.size());
        assertThat(table(spark, lake, LiveStreamTable.NAME).select("event_id").distinct().count())
                .isEqualTo(all.size());
        // the crashed run had written them all
        assertThat(two.tableCount(LiveStreamTable.NAME, "inserted")).isZero();

        // nothing new: nothing read, nothing written
        long v = version(spark, lake, LiveStreamTable.NAME);
        assertThat(run(spark, lake).counter("raw_objects")).isZero();
        assertThat(version(spark, lake, LiveStreamTable.NAME)).isEqualTo(v);

        // a --full rebuild from all raw objects gives the same tables
        List<Row> live = sorted(spark, lake, LiveStreamTable.NAME);
        List<Row> grades = sorted(spark, lake, "events.grade_change");
        List<Row> quarantine = sorted(spark, lake, QuarantineTable.NAME, "run_id");
        RunReport full = run(spark, lake, "--full");
        assertThat(full.failures()).isEmpty();
        assertThat(full.counter("raw_objects")).isEqualTo(full.counter("raw_objects_listed"));
        assertThat(sorted(spark, lake, LiveStreamTable.NAME)).containsExactlyElementsOf(live);
        assertThat(sorted(spark, lake, "events.grade_change")).containsExactlyElementsOf(grades);
        assertThat(sorted(spark, lake, QuarantineTable.NAME, "run_id")).containsExactlyElementsOf(quarantine);
        assertThat(table(spark, lake, EventsLedger.NAME).count()).isEqualTo(full.counter("raw_objects"));
    }

    /**
     * The hourly case: the run's event ids are checked once against the live stream, and a per-type table none of
     * whose events is there gets a plain append (no MERGE, no check of its own); a type with a redelivery is still
     * not doubled, and every per-type table stays within the live stream.
     */
    @Test
    void newEventsAreAppendedAfterOneCheckAndARedeliveredTypeIsNotDoubled(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Path lake = dir.resolve("lake");
        List<LiveEventGenerator.Message> first = generator(5).list(200);
        SandboxEventsCommand.land(generator(5), 200, lake, 10);
        assertThat(run(spark, lake).failures()).isEmpty();
        long discussionVersion = version(spark, lake, "events.discussion_entry_created");

        // the next hour: new grade changes only, and a redelivery of three of the first hour's grade changes
        LiveEventGenerator gradesOnly = SandboxEventsCommand.generator(6).only("grade_change").duplicateShare(0)
                .malformedShare(0).lateShare(0).days(2);
        List<LiveEventGenerator.Message> second = gradesOnly.list(60);
        SandboxEventsCommand.land(gradesOnly, 60, lake, 10);
        RunReport appended = run(spark, lake);
        assertThat(appended.failures()).isEmpty();
        assertThat(appended.counter("duplicates_already_in_lake")).isZero();
        assertThat(lastOperation(spark, lake, LiveStreamTable.NAME)).isEqualTo("WRITE");
        assertThat(lastOperation(spark, lake, "events.grade_change")).isEqualTo("WRITE");
        assertThat(version(spark, lake, "events.discussion_entry_created")).isEqualTo(discussionVersion);

        // three distinct events (the first hour has redeliveries of its own)
        Map<String, LiveEventGenerator.Message> byEvent = new LinkedHashMap<>();
        first.stream().filter(m -> "grade_change".equals(m.attributes().get("event_name")))
                .filter(m -> distinctEvents(List.of(m)).size() == 1)
                .forEach(m -> byEvent.putIfAbsent(distinctEvents(List.of(m)).iterator().next(), m));
        List<LiveEventGenerator.Message> redelivered = byEvent.values().stream().limit(3).toList();
        assertThat(redelivered).hasSize(3);
        RawInput.land(lake, redelivered.stream().map(m -> new LiveEventMessage(m.messageId() + "-again",
                m.receivedAt().plusSeconds(7200), m.attributes(), m.body())).toList(), 10);
        LiveEventGenerator discussionsOnly = SandboxEventsCommand.generator(7).only("discussion_entry_created")
                .duplicateShare(0).malformedShare(0).lateShare(0).days(2);
        List<LiveEventGenerator.Message> third = discussionsOnly.list(40);
        SandboxEventsCommand.land(discussionsOnly, 40, lake, 10);
        long gradesVersion = version(spark, lake, "events.grade_change");
        RunReport mixed = run(spark, lake);
        assertThat(mixed.failures()).isEmpty();
        assertThat(mixed.counter("duplicates_already_in_lake")).isEqualTo(3);
        assertThat(mixed.tableCount("events.grade_change", "inserted")).isZero();
        assertThat(version(spark, lake, "events.grade_change")).as("nothing new: no commit").isEqualTo(gradesVersion);
        assertThat(lastOperation(spark, lake, "events.discussion_entry_created")).isEqualTo("WRITE");

        // a copy that arrived before the stored one replaces it, in the live stream and in its table alike
        LiveEventGenerator.Message early = redelivered.get(0);
        RawInput.land(lake, List.of(new LiveEventMessage(early.messageId() + "-early",
                early.receivedAt().minusSeconds(3600), early.attributes(), early.body())), 10);
        RunReport replacing = run(spark, lake);
        assertThat(replacing.failures()).isEmpty();
        assertThat(replacing.tableCount(LiveStreamTable.NAME, "updated")).isEqualTo(1);
        assertThat(replacing.tableCount("events.grade_change", "updated")).isEqualTo(1);
        assertThat(table(spark, lake, "events.grade_change").where("received_at = TIMESTAMP '"
                + java.sql.Timestamp.from(early.receivedAt().minusSeconds(3600)) + "'").count()).isEqualTo(1);

        Set<String> all = new HashSet<>(distinctEvents(first));
        all.addAll(distinctEvents(second));
        all.addAll(distinctEvents(third));
        assertThat(table(spark, lake, LiveStreamTable.NAME).count()).isEqualTo(all.size());
        Dataset<Row> typedIds = table(spark, lake, "events.grade_change").select("event_id")
                .union(table(spark, lake, "events.discussion_entry_created").select("event_id"));
        assertThat(typedIds.count()).isEqualTo(all.size());
        assertThat(typedIds.except(table(spark, lake, LiveStreamTable.NAME).select("event_id")).count()).isZero();
    }

    /** An events run with {@code args} that stops at crash point {@code point}; its report, as far as it got. */
    private static RunReport crashedRun(SparkSession spark, String point, String... args) {
        EventsJob job = new EventsJob();
        Options options = Options.parse(job.spec(), List.of(args));
        RunReport crashed = job.runReport(options);
        System.setProperty(CrashPoints.PROPERTY, point);
        try {
            // the crash ends the run as a kill would: it escapes before the run report is recorded
            assertThatThrownBy(() -> job.runWith(spark, options, crashed))
                    .isInstanceOf(CrashPoints.InjectedCrash.class).hasMessageContaining(point);
        } finally {
            System.clearProperty(CrashPoints.PROPERTY);
        }
        return crashed;
    }

    private static String lastOperation(SparkSession spark, Path lake, String name) {
        return DeltaTable.forPath(spark, Lake.at(lake.toString()).table(name)).history(1).first()
                .getAs("operation").toString();
    }

    @Test
    void readingCompactedObjectsAgainChangesNothing(SparkSession spark, @TempDir Path dir) throws Exception {
        Path lake = dir.resolve("lake");
        SandboxEventsCommand.land(generator(3), 200, lake, 10);
        RunReport first = run(spark, lake);
        assertThat(first.failures()).isEmpty();
        List<Row> live = sorted(spark, lake, LiveStreamTable.NAME);
        // the next run lists only the newest date folder (the generator spreads the messages over two days and more)
        RunReport newestOnly = run(spark, lake, "--lookback-days", "0");
        assertThat(newestOnly.counter("raw_folders_not_listed")).isPositive();
        assertThat(newestOnly.counter("raw_objects_listed")).isPositive().isLessThan(first.counter("raw_objects"));
        assertThat(newestOnly.counter("raw_objects")).isZero();

        // forget the ledger: every object is read again and MERGEd onto what is there
        try (var files = java.nio.file.Files.walk(lake.resolve("_meta/events_ledger"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
        RunReport again = run(spark, lake);
        assertThat(again.failures()).isEmpty();
        assertThat(again.tableCount(LiveStreamTable.NAME, "inserted")).isZero();
        assertThat(again.tableCount(LiveStreamTable.NAME, "updated")).isZero();
        assertThat(again.counter("duplicates_already_in_lake")).isEqualTo(live.size());
        assertThat(sorted(spark, lake, LiveStreamTable.NAME)).containsExactlyElementsOf(live);
    }

    /**
     * A run read in batches ({@code --batch-mb}) writes what one batch would: redeliveries in a later batch than their
     * first copy are not doubled. A run that stops in a later batch keeps the batches it finished (recorded in the
     * ledger), and the next run reads only the rest. A {@code --full} rebuild in batches rebuilds a table whose
     * events come only in a later batch, too, rather than MERGEing into what it held.
     */
    @Test
    void aRunInBatchesEqualsOneBatchAndKeepsTheBatchesItFinished(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Path shared = dir.resolve("landed");
        List<LiveEventGenerator.Message> first = generator(11).list(300);
        SandboxEventsCommand.land(generator(11), 300, shared, 10);
        // a month later (later dt= folders, so later batches): a type of its own, and redeliveries of the first
        List<LiveEventMessage> later = new java.util.ArrayList<>();
        SandboxEventsCommand.generator(12).only("logged_in").duplicateShare(0).malformedShare(0).lateShare(0)
                .list(60).forEach(m -> later.add(new LiveEventMessage(m.messageId(),
                        m.receivedAt().plus(java.time.Duration.ofDays(30)), m.attributes(), m.body())));
        first.subList(0, 20).forEach(m -> later.add(new LiveEventMessage(m.messageId() + "-again",
                m.receivedAt().plus(java.time.Duration.ofDays(30)), m.attributes(), m.body())));
        RawInput.land(shared, later, 10);
        Path raw = shared.resolve("raw/live_events");
        long rawBytes;
        long objects;
        try (var files = java.nio.file.Files.walk(raw)) {
            List<Path> all = files.filter(java.nio.file.Files::isRegularFile).toList();
            objects = all.size();
            rawBytes = all.stream().mapToLong(f -> f.toFile().length()).sum();
        }
        String thirdMb = String.valueOf(rawBytes / 3.0 / (1024 * 1024));

        Path whole = dir.resolve("whole");
        RunReport one = run(spark, whole, "--raw", raw.toString(), "--batch-mb", "all");
        assertThat(one.failures()).isEmpty();
        assertThat(one.counter("batches")).isEqualTo(1);

        // the per-type table only the later batches have events for: the run stops right after its commit
        Path batched = dir.resolve("batched");
        RunReport crashed = crashedRun(spark, EventsJob.CRASH_AFTER_TABLE + "events.logged_in", "--lake",
                batched.toString(), "--raw", raw.toString(), "--batch-mb", thirdMb, "--optimize", "never");
        // a third of the bytes each, cut at folder ends where that keeps them half full: three batches or four
        assertThat(crashed.counter("batches")).isBetween(3L, 4L);
        long recorded = table(spark, batched, EventsLedger.NAME).count();
        assertThat(recorded).as("the batches finished before the stop").isPositive().isLessThan(objects);

        RunReport rest = run(spark, batched, "--raw", raw.toString(), "--batch-mb", thirdMb);
        assertThat(rest.failures()).isEmpty();
        assertThat(rest.counter("raw_objects")).isEqualTo(objects - recorded);
        assertThat(rest.counter("duplicates_already_in_lake")).as("the redeliveries, and the events the stopped run"
                + " had written").isPositive();
        assertSameEvents(spark, whole, batched);
        assertThat(table(spark, batched, EventsLedger.NAME).count()).isEqualTo(objects);

        // a row the raw objects do not hold, in the table only the later batches write: a rebuild drops it
        String loggedIn = Lake.at(batched.toString()).table("events.logged_in");
        table(spark, batched, "events.logged_in").limit(1)
                .withColumn("event_id", org.apache.spark.sql.functions.lit("not-in-raw"))
                .write().format("delta").mode("append").save(loggedIn);
        RunReport full = run(spark, batched, "--raw", raw.toString(), "--batch-mb", thirdMb, "--full");
        assertThat(full.failures()).isEmpty();
        assertThat(full.counter("batches")).isEqualTo(crashed.counter("batches"));
        assertSameEvents(spark, whole, batched);
        assertThat(table(spark, batched, EventsLedger.NAME).count()).isEqualTo(objects);
    }

    /**
     * A --full rebuild that stops part way (here right after it replaced the live stream, in its first batch, the
     * ledger not yet replaced) leaves tables a normal run must not build on: the old ledger lists every object, so a
     * normal run would read nothing, and the tables the rebuild had not reached yet would be appended to past the
     * live stream. Normal runs refuse until a rebuild finishes; the next --full does, and normal runs go on.
     */
    @Test
    void aRebuildThatStoppedPartWayIsFinishedBeforeAnyNormalRun(SparkSession spark, @TempDir Path dir) {
        Path lake = dir.resolve("lake");
        RawInput.land(lake, RawInput.fixtureMessages("canvas", Instant.parse("2026-09-01T10:00:00Z")), 10);
        assertThat(run(spark, lake).failures()).isEmpty();
        long liveRows = table(spark, lake, LiveStreamTable.NAME).count();

        crashedRun(spark, EventsJob.CRASH_AFTER_TABLE + LiveStreamTable.NAME, "--lake", lake.toString(), "--full",
                "--optimize", "never");
        RawInput.land(lake, RawInput.fixtureMessages("caliper", Instant.parse("2026-09-01T11:00:00Z")), 10);
        RunReport refused = run(spark, lake);

        assertThat(refused.failures()).singleElement().satisfies(f -> assertThat(f.message())
                .contains("--full rebuild did not finish", "canvaslake events --full"));
        assertThat(refused.counter("raw_objects")).as("nothing read").isZero();
        assertThat(table(spark, lake, LiveStreamTable.NAME).count()).isEqualTo(liveRows);

        RunReport again = run(spark, lake, "--full");
        assertThat(again.failures()).isEmpty();
        assertThat(Files.exists(lake.resolve(UnfinishedRebuild.FILE))).as("the mark, once the rebuild finished")
                .isFalse();
        RawInput.land(lake, RawInput.fixtureMessages("canvas", Instant.parse("2026-09-01T12:00:00Z")), 10);
        RunReport next = run(spark, lake);
        assertThat(next.failures()).isEmpty();
        assertThat(next.counter("duplicates_already_in_lake")).as("the canvas fixtures again: all held").isPositive();
        assertThat(table(spark, lake, LiveStreamTable.NAME).count())
                .isEqualTo(liveRows + Fixtures.list("caliper", ".json").size());
    }

    private static void assertSameEvents(SparkSession spark, Path expected, Path actual) {
        for (String name : List.of(LiveStreamTable.NAME, "events.grade_change", "events.discussion_entry_created",
                "events.logged_in")) {
            assertThat(sorted(spark, actual, name)).as(name).isNotEmpty()
                    .containsExactlyElementsOf(sorted(spark, expected, name));
        }
        assertThat(sorted(spark, actual, QuarantineTable.NAME, "run_id")).isNotEmpty()
                .containsExactlyElementsOf(sorted(spark, expected, QuarantineTable.NAME, "run_id"));
    }
}
