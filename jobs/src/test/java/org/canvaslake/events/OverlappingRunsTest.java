package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.canvaslake.events.EventsJobTest.run;
import static org.canvaslake.events.EventsJobTest.table;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two events runs on one lake at the same time, over the same new raw objects: one run is held at a point of its
 * own (through {@link CrashPoints#onReach}) while the other runs from start to end in this JVM, then goes on. With the
 * lake's lease (the default) the other run is refused at once. Without it ({@code --lease-minutes 0}, or a lake whose
 * storage gives no lease) where the held run stood decides whether events doubled, and the run that records its
 * objects last must say which.
 */
@ExtendWith(SparkTest.class)
class OverlappingRunsTest {

    private static final String[] TYPES = {"grade_change", "logged_in"};

    @AfterEach
    void clear() {
        CrashPoints.clearReached();
    }

    /**
     * Held after planning (it found none of the new events in the live stream) until the other run has finished: it
     * then appends the same events again, and fails naming the tables that hold them twice and the mend, which a
     * {@code --full} run then does.
     */
    @Test
    void aRunThatWroteEventsAnotherRunHadWrittenMeanwhileFailsNamingTheTablesAndFullMendsThem(SparkSession spark,
            @TempDir Path dir) throws Exception {
        Path lake = lakeWithNewObjects(spark, dir);
        Overlap overlap = overlap(spark, lake, EventsJob.CRASH_BEFORE_TABLES, NO_LEASE);

        assertThat(overlap.first().failures()).as("the run that ran through").isEmpty();
        assertThat(overlap.held().failures()).singleElement().satisfies(f -> {
            assertThat(f.unit()).isEqualTo(OverlappingRuns.UNIT);
            assertThat(f.message()).contains("run " + overlap.first().runId(), LiveStreamTable.NAME,
                    "events.grade_change", "events.logged_in", "canvaslake events --full", "MaxConcurrentRuns");
        });
        long rows = table(spark, lake, LiveStreamTable.NAME).count();
        long distinct = table(spark, lake, LiveStreamTable.NAME).select("event_id").distinct().count();
        assertThat(rows).as("the new events, twice").isGreaterThan(distinct);

        RunReport mended = run(spark, lake, "--full");
        assertThat(mended.failures()).isEmpty();
        for (String t : List.of(LiveStreamTable.NAME, "events.grade_change", "events.logged_in")) {
            assertThat(table(spark, lake, t).count()).as(t + " after --full")
                    .isEqualTo(table(spark, lake, t).select("event_id").distinct().count());
        }
        assertThat(table(spark, lake, LiveStreamTable.NAME).count()).isEqualTo(distinct);
    }

    /**
     * Held after its tables were written, before its ledger record: the other run finds its events in the tables and
     * writes none of them again, so nothing doubles; the held run, recording last, says another run took the same
     * objects and that nothing needs mending, and succeeds.
     */
    @Test
    void aRunWhoseEventsTheOtherRunFoundStoredSucceedsWithANote(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Path lake = lakeWithNewObjects(spark, dir);
        Overlap overlap = overlap(spark, lake, EventsJob.CRASH_BEFORE_LEDGER, NO_LEASE);

        assertThat(overlap.first().failures()).isEmpty();
        assertThat(overlap.first().tableCount(LiveStreamTable.NAME, "inserted")).as("found them all stored").isZero();
        assertThat(overlap.held().failures()).isEmpty();
        assertThat(overlap.held().notes()).anySatisfy(n -> assertThat(n).contains("run " + overlap.first().runId(),
                "nothing needs mending"));
        assertThat(table(spark, lake, LiveStreamTable.NAME).count())
                .isEqualTo(table(spark, lake, LiveStreamTable.NAME).select("event_id").distinct().count());
    }

    /**
     * With the lease: the run started while the other is held (after planning, where without it both would append
     * the same events) is refused at once, naming the holder, and writes nothing; the held run then finishes alone,
     * nothing doubles, and the lease is given back for the next run.
     */
    @Test
    void withTheLeaseTheSecondRunIsRefusedAtOnceAndNothingDoubles(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Path lake = lakeWithNewObjects(spark, dir);
        long before = table(spark, lake, LiveStreamTable.NAME).count();
        Overlap overlap = overlap(spark, lake, EventsJob.CRASH_BEFORE_TABLES);

        assertThat(overlap.first().failures()).singleElement().satisfies(f -> {
            assertThat(f.unit()).isEqualTo("events" + SparkJob.LEASE_HELD);
            assertThat(f.message()).contains("run " + overlap.held().runId(), "read and wrote nothing");
        });
        assertThat(overlap.first().counter("raw_objects")).as("it did not even list").isZero();
        assertThat(overlap.held().failures()).isEmpty();
        long rows = table(spark, lake, LiveStreamTable.NAME).count();
        assertThat(rows).as("the new events, once").isGreaterThan(before)
                .isEqualTo(table(spark, lake, LiveStreamTable.NAME).select("event_id").distinct().count());

        RunReport next = run(spark, lake);
        assertThat(next.failures()).isEmpty();
        assertThat(next.counter("raw_objects")).as("nothing left to read").isZero();
    }

    /**
     * A ledger commit that lost to another's cannot be brought about on purpose here (the two would have to meet inside
     * Delta's commit), so this pins what the run decides from: Delta's concurrent-modification errors however wrapped,
     * and nothing else; and what the failure then says.
     */
    @Test
    void aLedgerCommitLostToAnotherIsToldFromOtherFailures() {
        Exception lost = new RuntimeException("commit failed", new io.delta.exceptions.ProtocolChangedException(
                "The protocol version of the Delta table has been changed by a concurrent update."));
        assertThat(OverlappingRuns.lostToAnotherCommit(lost)).isTrue();
        assertThat(OverlappingRuns.lostToAnotherCommit(new io.delta.exceptions.ConcurrentAppendException("x")))
                .isTrue();
        assertThat(OverlappingRuns.lostToAnotherCommit(new java.io.IOException("503 Slow Down"))).isFalse();
        assertThat(OverlappingRuns.failure(java.util.Map.of(), 6, java.util.Map.of(LiveStreamTable.NAME, 60L)))
                .contains("ledger commit lost to another's", "events.live_stream (60 events)",
                        "canvaslake events --full");
    }

    /** A lake one run has compacted (so the ledger exists), and new raw objects no run has read yet. */
    private static Path lakeWithNewObjects(SparkSession spark, Path dir) throws Exception {
        Path lake = dir.resolve("lake");
        SandboxEventsCommand.land(generator(31), 40, lake, 10);
        assertThat(run(spark, lake).failures()).isEmpty();
        SandboxEventsCommand.land(generator(32), 60, lake, 10);
        return lake;
    }

    private static LiveEventGenerator generator(long seed) {
        return SandboxEventsCommand.generator(seed).only(TYPES).duplicateShare(0).malformedShare(0).lateShare(0)
                .days(1);
    }

    /** The two runs' reports: the one that ran through, and the one held at a point until the first had ended. */
    private record Overlap(RunReport first, RunReport held) {
    }

    private static final String[] NO_LEASE = {"--lease-minutes", "0"};

    private static Overlap overlap(SparkSession spark, Path lake, String holdAt, String... args) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean firstToArrive = new AtomicBoolean(true);
        CrashPoints.onReach(holdAt, () -> {
            if (firstToArrive.compareAndSet(true, false)) {
                holding.countDown();
                try {
                    release.await(5, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<RunReport> held = pool.submit(() -> run(spark, lake, args));
            assertThat(holding.await(5, TimeUnit.MINUTES)).as("the held run reached " + holdAt).isTrue();
            RunReport first = run(spark, lake, args);
            release.countDown();
            return new Overlap(first, held.get(5, TimeUnit.MINUTES));
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
