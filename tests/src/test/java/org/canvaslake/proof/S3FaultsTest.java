package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.canvas.RawManifest;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.events.EventsJob;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.S3ObjectStore;
import org.canvaslake.mirror.lake.JdbcMirrorState;
import org.canvaslake.mirror.lake.LakeMirrorJob;
import org.canvaslake.proof.FaultyS3AFileSystem.Fault;
import org.canvaslake.proof.FaultyS3AFileSystem.Kind;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Storage faults in the jobs' own writes to an S3 lake: a Parquet file or a Delta commit whose PUT fails, and a commit
 * that lands while the writer is told it failed (the answer lost), at chosen paths and at writes drawn at random; and
 * in reads, a GET that fails: of a raw event object, of a table's Delta log (the live stream's, the ledger's, the dap
 * sync state's, once of a canvas history's), of the canvas job's raw pages in a {@code --from-raw} rebuild, of a
 * Parquet file the mirror reads. Injected under S3A ({@link FaultyS3AFileSystem}) on {@link S3ProxyServer}'s bucket.
 * Each run with a fault must fail the unit it hit and say so; the next run, without the fault, must leave the lake (or
 * the mirror) equal, row for row, to one that never saw a fault: nothing lost, nothing doubled. The crash drills stop
 * a run at its own boundaries; these faults come from inside Spark's and Delta's reads and writes. (The product job's
 * faults, drawn writes and refused reads of its inputs, run in {@link S3LakeTest}'s pipeline, on the tables that
 * pipeline wrote.)
 */
@ExtendWith(SparkTest.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3FaultsTest {

    private static final String BUCKET = "faulty-lake";
    private static final String RAW = "s3://" + BUCKET + "/landed/raw/live_events";
    /** What differs between two runs by design: the run ids, and the times of the snapshots by rank. */
    private static final LakeRows.Rules RULES = LakeRows.Rules.dropping("*", "run_id", "compacted_at")
            .rankTimes("snapshot_at", "valid_from", "valid_to");

    /**
     * The draws of {@link #faultsAtRandomWrites} (events, canvas, dap): fixed, so CI gives the same picks every time;
     * {@code -Dcanvaslake.faults.seed=S -Dcanvaslake.faults.writes=N} draws others (N per job), to explore.
     */
    private static final long RANDOM_WRITES_SEED = Long.getLong("canvaslake.faults.seed", 20261206L);
    private static final int RANDOM_WRITES = Integer.getInteger("canvaslake.faults.writes", 2);
    /**
     * The writes the draws count under a lake: all but Delta's checksum files ({@code .N.crc.<uuid>.tmp}), about a
     * third of them, whose loss Delta shrugs off (a run hit there succeeded and lost nothing in every exploration run:
     * events, canvas and dap, refused and landed-then-lost); left in, all three draws of a trial run fell on them.
     */
    private static final String RANDOM_WRITES_UNDER = "/%s/(?!.*\\.crc\\.[^/]*\\.tmp$)";

    /** The lake of {@link #cleanEvents}. */
    private static final String CLEAN_EVENTS = "events-clean";
    /** Where the log-read cases' later objects land (see {@link #logReadExpected}). */
    private static final String LOG_READ_LATER = "s3://" + BUCKET + "/landed-log-read";
    /** The log-read cases' runs on those later objects. */
    private static final String[] LOG_READ_ARGS = {"--raw", LOG_READ_LATER + "/raw/live_events", "--optimize", "never"};

    private S3ProxyServer server;
    /** A fault-free events run's tables, and how many writes that run made (see {@link #cleanEvents}). */
    private CleanRun cleanEvents;
    /** The tables both log-read cases must end with (see {@link #logReadExpected}). */
    private Map<String, List<String>> logReadExpected;

    /** A fault-free run's tables, and how many writes it made (see {@link #counted}). */
    record CleanRun(Map<String, List<String>> rows, int writes) {
    }

    @BeforeAll
    void startS3(SparkSession spark, @TempDir Path work) throws Exception {
        server = S3ProxyServer.start(work, spark.sparkContext().hadoopConfiguration(), BUCKET);
        // S3A for this bucket, with faults when armed (Hadoop keeps one instance per bucket, made on first use)
        server.set(Map.of("fs.s3.impl", FaultyS3AFileSystem.class.getName()));
        land("s3://" + BUCKET + "/landed", 11, 100);
    }

    /**
     * Lands {@code count} sandbox events (generator seed {@code seed}) under {@code root}, 10 to an object, of two
     * event types: two per-type tables instead of eighteen, and the same kinds of writes to fault. With this, the
     * copies of the clean lake ({@link #copyOfCleanEvents}) and {@link LakeRows}' parallel reads, the class took 286 s
     * alone, against 472 s before ({@link S3LakeTest} runs every type on S3).
     */
    private void land(String root, long seed, int count) throws IOException {
        BatchLander lander = new BatchLander(S3ObjectStore.at(root, server.client()));
        for (List<LiveEventMessage> batch : S3LakeTest.batches(new LiveEventGenerator(Institution.generate(11,
                Institution.Size.TEST), seed).only("asset_accessed", "submission_created"), count, 10)) {
            lander.land(batch);
        }
    }

    @AfterAll
    void stopS3() throws IOException {
        FaultyS3AFileSystem.disarm();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anEventsRunHitByAStorageFaultFailsAndTheNextRunLeavesTheLakeAsIfNoneHadHappened(SparkSession spark) {
        Map<String, List<String>> clean = cleanEvents(spark).rows();

        // a Parquet file of the live stream refused: the live stream fails, so no per-type table is written
        faultThenRerun(spark, "events-parquet", Fault.failing("/events/live_stream/dt=[^/]+/[^/]+\\.parquet$"),
                "events.live_stream", clean);
        // every per-type table's first commit lands, and the job is told it failed
        faultThenRerun(spark, "events-commits-lost",
                Fault.landingThenFailing("/events/(?!live_stream/|_quarantine/)[a-z_]+/_delta_log/0{20}\\.json$"),
                "events.", clean);
        // the ledger's commit refused after every table committed: the next run reads all objects again
        faultThenRerun(spark, "events-ledger", Fault.failing("/_meta/events_ledger/_delta_log/0{20}\\.json$"),
                "_meta.events_ledger", clean);
        // the GETs of some raw objects refused (those whose name starts with 0-7; 6 of the 10): each fails by its
        // path, the others are compacted and recorded in the ledger, and the next run reads the 6
        faultThenRerun(spark, "events-raw-read", Fault.failingReads("/landed/raw/live_events/.*/[0-7][^/]*$"),
                RAW + "/", clean);
    }

    /**
     * Faults at writes no one chose: one write of an events run, drawn at random (seeded) from each half of the
     * writes a fault-free run makes (Parquet files, Delta commits, checksums, checkpoints, the ledger, the run log),
     * refused or landed with its answer lost, by turns (see {@link #faultsAtRandomWrites}).
     */
    @Test
    void eventsRunsFaultedAtRandomWritesLoseNothingAndTheNextRunSettlesThem(SparkSession spark) {
        CleanRun clean = cleanEvents(spark);
        faultsAtRandomWrites("events-random", clean, S3FaultsTest::lake, lake -> S3LakeTest.runOn(new EventsJob(),
                spark, lake, eventsArgs()), lake -> LakeRows.of(spark, lake, RULES));
    }

    /**
     * Storage faults in canvas runs. First a chosen one: {@code canvas.users}' first commit lands and the job is told
     * it failed; that table fails alone, by name, and the next run settles it. Then faults at random writes as for
     * events: the raw pages, the snapshots, the history and latest tables. A raw page refused fails its unit (one
     * course's list, say) and the others are applied: the next run takes that unit's objects, at its own time, so
     * there the snapshot times are compared as set or not (every version, and whether it is current, still is).
     * Then a rebuild from raw pages that cannot be read, and a week later a read blip on a history's log.
     */
    @Test
    void canvasRunsHitByStorageFaultsFailTheirUnitsAndTheNextRunSettlesThem(SparkSession spark) throws Exception {
        LakeRows.Rules anyTime = RULES.setOrNot("snapshot_at", "valid_from", "valid_to");
        Institution v0 = Institution.generate(11, Institution.Size.TEST);
        try (FakeCanvasServer canvas = FakeCanvasServer.start(v0)) {
            Function<Lake, RunReport> run = lake -> S3LakeTest.runOn(new CanvasJob(), spark, lake,
                    S3LakeTest.canvasArgs(canvas));
            Function<Lake, Map<String, List<String>>> contents = lake -> LakeRows.of(spark, lake, anyTime);
            CleanRun clean = counted(lake("canvas-clean"), run, contents);
            Map<String, List<String>> cleanByRank = LakeRows.of(spark, lake("canvas-clean"), RULES);
            assertThat(cleanByRank).containsKeys("canvas.users", "canvas.courses");

            Lake lake = lake("canvas-commit-lost");
            FaultyS3AFileSystem.arm(Fault.landingThenFailing("/canvas/users/_delta_log/0{20}\\.json$"));
            RunReport faulted = run.apply(lake);
            assertThat(FaultyS3AFileSystem.disarm()).isOne();
            // that table failed, by name; the others were applied in the same run
            failedAlone(faulted, "canvas.users");
            assertThat(faulted.tableCount("canvas.courses", "inserted")).isPositive();
            assertThat(run.apply(lake).failures()).isEmpty();
            assertThat(LakeRows.diff(cleanByRank, LakeRows.of(spark, lake, RULES))).isEmpty();

            faultsAtRandomWrites("canvas-random", clean, S3FaultsTest::lake, run, contents);

            // a rebuild from the clean run's raw pages (--from-raw) whose GETs of the users' pages are refused (their
            // manifest is read): users fail by name with the store's error, the other entities are rebuilt, and the
            // next rebuild leaves the tables as the API run did
            server.copy(BUCKET, "canvas-clean/raw/", "canvas-from-raw/raw/", key -> true);
            String day = server.keys(BUCKET, "canvas-from-raw/raw/canvas_api/users/").get(0)
                    .replaceAll(".*/users/(dt=[^/]+)/.*", "$1");
            Lake rebuilt = lake("canvas-from-raw");
            FaultyS3AFileSystem.arm(Fault.failingReads(
                    "/canvas-from-raw/raw/canvas_api/users/.*/(?!" + RawManifest.FILE + "$)[^/]+$"));
            RunReport unread = S3LakeTest.runOn(new CanvasJob(), spark, rebuilt, "--from-raw", day);
            assertThat(FaultyS3AFileSystem.disarm()).isPositive();
            failedAlone(unread, "canvas.users");
            assertThat(unread.tableCount("canvas.courses", "inserted")).isPositive();
            S3LakeTest.run(new CanvasJob(), spark, rebuilt, "--from-raw", day);
            assertThat(LakeRows.diff(cleanByRank, LakeRows.of(spark, rebuilt, RULES))).isEmpty();

            canvasHistoryReadBlip(spark, canvas, run, v0.evolve(1));
        }
    }

    /**
     * A week later (the source changed), a canvas run whose first read of {@code canvas.users_history}'s Delta log is
     * refused (a blip: the reads after it succeed) fails users alone, by the store's error, and applies the other
     * entities. It must not take the history for absent: its next write would then start the history again beside
     * the versions it has. The next run catches up: the lake then equals a copy of the clean lake that took the same
     * week's snapshot without a fault. A scheduled run is a fresh JVM that reads every log from the store, so Delta's
     * cache of logs in this JVM is cleared first.
     */
    private void canvasHistoryReadBlip(SparkSession spark, FakeCanvasServer canvas, Function<Lake, RunReport> run,
                                       Institution weekLater) {
        server.copy(BUCKET, "canvas-clean/", "canvas-week-clean/", key -> true);
        server.copy(BUCKET, "canvas-clean/", "canvas-week-blip/", key -> true);
        canvas.setSnapshot(weekLater);
        Lake clean = lake("canvas-week-clean");
        assertThat(run.apply(clean).failures()).as("the week's run without a fault").isEmpty();
        Map<String, List<String>> expected = LakeRows.of(spark, clean, RULES);
        assertThat(expected.get("canvas.users_history")).as("versions of users kept over two snapshots")
                .hasSizeGreaterThan(expected.get("canvas.users").size());

        Lake faulted = lake("canvas-week-blip");
        DeltaLog.clearCache();
        // a commit file: a refused read of _last_checkpoint, which the log's reader takes as "no checkpoint" and lists
        // the log instead, leaves the run whole (tried: it succeeds, users included)
        FaultyS3AFileSystem.arm(Fault.failingFirstRead("/canvas-week-blip/canvas/users_history/_delta_log/"
                + "\\d{20}\\.json$"));
        RunReport hit = run.apply(faulted);
        assertThat(FaultyS3AFileSystem.disarm()).isOne();
        failedAlone(hit, "canvas.users");
        assertThat(hit.failures().get(0).message()).contains("/canvas/users_history/_delta_log/");
        assertThat(hit.tableCount("canvas.courses", "updated")).as("the week's renamed course").isOne();
        assertThat(LakeRows.of(spark, faulted, RULES).get("canvas.courses_history")).as("courses applied in that run")
                .isEqualTo(expected.get("canvas.courses_history"));

        assertThat(run.apply(faulted).failures()).as("the run after the one that could not read the history").isEmpty();
        assertThat(LakeRows.diff(expected, LakeRows.of(spark, faulted, RULES))).isEmpty();
    }

    /**
     * For each of {@link #RANDOM_WRITES} equal slices of the writes a fault-free run made ({@code clean}), a run on a
     * lake {@code prefix-i} ({@code freshLake}: a new one, as the clean run's was when it started) with one write of
     * that slice, drawn at random, refused ({@link Kind#FAIL}) or landed with its answer lost
     * ({@link Kind#LAND_THEN_FAIL}), by turns. A run that still succeeds must have lost nothing; one that fails must
     * say it was the store; the next run must leave the lake as if no fault had happened. The draws are printed: with
     * two tasks writing at once, the same draw can hit a neighbouring write in another run.
     */
    static void faultsAtRandomWrites(String prefix, CleanRun clean, Function<String, Lake> freshLake,
                                     Function<Lake, RunReport> run,
                                     Function<Lake, Map<String, List<String>>> contents) {
        assertThat(clean.writes()).as(prefix + ": writes of a fault-free run").isGreaterThanOrEqualTo(RANDOM_WRITES);
        Random random = new Random(RANDOM_WRITES_SEED);
        for (int i = 0; i < RANDOM_WRITES; i++) {
            int from = clean.writes() * i / RANDOM_WRITES + 1;
            int to = clean.writes() * (i + 1) / RANDOM_WRITES;
            int nth = from + random.nextInt(to - from + 1);
            Kind kind = i % 2 == 0 ? Kind.FAIL : Kind.LAND_THEN_FAIL;
            String name = prefix + "-" + i;
            Lake lake = freshLake.apply(name);
            FaultyS3AFileSystem.arm(Fault.atWrite(writesUnder(lake), kind, nth));
            RunReport faulted = run.apply(lake);
            List<String> hit = FaultyS3AFileSystem.hits();
            FaultyS3AFileSystem.disarm();
            String what = name + ": " + kind + " at write " + nth + " of " + clean.writes() + " " + hit;
            System.out.println(what + ": the run " + (faulted.succeeded() ? "succeeded"
                    : "failed " + faulted.failures().stream().map(RunReport.Failure::unit).toList()));
            assertThat(hit).as(what).hasSize(1);
            if (faulted.succeeded()) {
                // a write the run can do without (a checksum, a checkpoint, the run log): nothing may be missing
                assertThat(LakeRows.diff(clean.rows(), contents.apply(lake))).as(what).isEmpty();
            } else {
                assertThat(faulted.failures()).as(what)
                        .anySatisfy(f -> assertThat(f.message()).contains("Injected fault"));
            }
            assertThat(run.apply(lake).failures()).as(what + ": the next run").isEmpty();
            assertThat(LakeRows.diff(clean.rows(), contents.apply(lake))).as(what + ", after the next run").isEmpty();
        }
    }

    /** The writes under the lake that the random draws count ({@link #RANDOM_WRITES_UNDER}). */
    private static String writesUnder(Lake lake) {
        return RANDOM_WRITES_UNDER.formatted(lake.root().substring(lake.root().lastIndexOf('/') + 1));
    }

    /** A fault-free run on the lake, whose writes (but Delta's checksums) are counted. */
    static CleanRun counted(Lake lake, Function<Lake, RunReport> run,
                            Function<Lake, Map<String, List<String>>> contents) {
        FaultyS3AFileSystem.arm(Fault.countingWrites(writesUnder(lake)));
        RunReport report = run.apply(lake);
        int writes = FaultyS3AFileSystem.seen();
        assertThat(FaultyS3AFileSystem.disarm()).as("writes hit by a counting fault").isZero();
        assertThat(report.failures()).as(lake.root()).isEmpty();
        return new CleanRun(contents.apply(lake), writes);
    }

    /**
     * A run that cannot read a table's Delta log (every GET under its {@code _delta_log} refused) fails as a whole
     * with the store's error, writing nothing to the live stream, and the next run catches up: the lake then equals
     * one whose two runs saw no fault. The live stream's log, read to find which events it holds; the ledger's, read
     * to find which objects were compacted (taken for "none yet", every object would be read again). A scheduled run
     * is a fresh JVM that reads every log from the store, so Delta's cache of logs in this JVM is cleared first.
     */
    @ParameterizedTest
    @ValueSource(strings = {"events/live_stream", "_meta/events_ledger"})
    void anEventsRunThatCannotReadATablesLogFailsAndTheNextRunCatchesUp(String table, SparkSession spark)
            throws Exception {
        String name = table.substring(table.indexOf('/') + 1).replace('_', '-');
        Lake faulted = copyOfCleanEvents(spark, "log-read-faulted-" + name);
        Map<String, List<String>> expected = logReadExpected(spark);

        DeltaLog.clearCache();
        FaultyS3AFileSystem.arm(Fault.failingReads("/log-read-faulted-" + name + "/" + table + "/_delta_log/"));
        RunReport hit = S3LakeTest.runOn(new EventsJob(), spark, faulted, LOG_READ_ARGS);
        assertThat(FaultyS3AFileSystem.disarm()).isPositive();
        assertThat(hit.succeeded()).isFalse();
        assertThat(hit.failures()).anySatisfy(f -> assertThat(f.message())
                .contains("Injected fault", "/" + table + "/_delta_log/"));
        assertThat(hit.tableCount("events.live_stream", "inserted")).as("nothing written").isZero();

        assertThat(S3LakeTest.runOn(new EventsJob(), spark, faulted, LOG_READ_ARGS).failures()).isEmpty();
        assertThat(LakeRows.diff(expected, LakeRows.of(spark, faulted, RULES))).isEmpty();
    }

    @Test
    void anOptimizeWhoseCommitIsRefusedIsNotedAndTheRunKeepsWhatItWrote(SparkSession spark) throws Exception {
        Lake lake = copyOfCleanEvents(spark, "events-optimize");
        long stored = DeltaTables.read(spark, lake.table("events.live_stream")).count();
        // an hour later, more events of the same days: the next run appends a second small file to their partitions,
        // and OPTIMIZE (asked for now) packs them; the live stream's commit of that (its third) is refused
        String later = "s3://" + BUCKET + "/landed-later";
        land(later, 12, 40);
        FaultyS3AFileSystem.arm(Fault.failing("/events-optimize/events/live_stream/_delta_log/0{19}2\\.json$"));
        RunReport report = S3LakeTest.runOn(new EventsJob(), spark, lake, "--raw", later + "/raw/live_events",
                "--optimize", "now");
        assertThat(FaultyS3AFileSystem.disarm()).isOne();
        // the data was written and recorded before OPTIMIZE: the run succeeds, and says what was not packed
        assertThat(report.failures()).isEmpty();
        assertThat(report.counter("optimize_failures")).isOne();
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("OPTIMIZE of events.live_stream failed",
                "Injected fault"));
        assertThat(report.counter("optimize_files_removed")).as("the other tables packed").isPositive();
        long inserted = report.tableCount("events.live_stream", "inserted");
        assertThat(inserted).isPositive();
        assertThat(DeltaTables.read(spark, lake.table("events.live_stream")).count()).isEqualTo(stored + inserted);
    }

    /**
     * Storage faults in dap syncs with the PostgreSQL mirror: chosen ones in the snapshots and the incrementals, and
     * faults at random writes of the snapshots' sync ({@link #faultsAtRandomWrites}); lake and mirror must settle.
     */
    @Test
    void aDapSyncHitByStorageFaultsFailsThoseTablesAndTheNextSyncSettlesLakeAndMirror(SparkSession spark)
            throws Exception {
        Lake clean = lake("dap-clean");
        Lake faulted = lake("dap-faulted");
        Map<String, String> schemaOf = new ConcurrentHashMap<>();
        Function<Lake, String> schema = lake -> schemaOf.computeIfAbsent(lake.root(),
                r -> "cl_fault_" + UUID.randomUUID().toString().substring(0, 8));
        // the next sync, after a fault, syncs again the tables the faulted one had settled: their state then holds that
        // sync's own account (an incremental of nothing), as after a crash
        LakeRows.Rules rules = CrashRerunDrills.DAP_RULES_AFTER_A_RESYNC;
        try (FakeDapServer dap = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST).withRecordsPerObject(100));
             Connection pg = DriverManager.getConnection(CrashRerunDrills.PG_URL)) {
            dap.addBrokenLines("courses", List.of("not a record at all"));
            Function<Lake, RunReport> sync = lake -> CrashRerunDrills.dapSync(spark, lake.root(), dap,
                    schema.apply(lake));
            Function<Lake, Map<String, List<String>>> contents = lake -> LakeRows.withMirror(spark, lake, pg,
                    schema.apply(lake), rules);
            // the snapshots (their writes counted for the random draws below): cd2.users' first commit lands, and the
            // job is told it failed
            CleanRun cleanSnapshots = counted(clean, sync, contents);
            FaultyS3AFileSystem.arm(Fault.landingThenFailing("/dap-faulted/cd2/users/_delta_log/0{20}\\.json$"));
            RunReport snapshot = sync.apply(faulted);
            assertThat(FaultyS3AFileSystem.disarm()).isOne();
            failedAlone(snapshot, "cd2.users");
            assertThat(snapshot.tableCount("cd2.courses", "snapshot")).isOne();
            settles(sync, contents, faulted, clean, "snapshot");
            // faults at random writes of the snapshots' sync, as for events
            faultsAtRandomWrites("dap-random", cleanSnapshots, S3FaultsTest::lake, sync, contents);

            // a day later in DAP, the incrementals: the sync state's commits refused, after each table's data and
            // mirror were written
            dap.advance();
            assertThat(sync.apply(clean).failures()).isEmpty();
            FaultyS3AFileSystem.arm(Fault.failing("/dap-faulted/_meta/dap_sync_state/_delta_log/\\d{20}\\.json$"));
            RunReport incremental = sync.apply(faulted);
            assertThat(FaultyS3AFileSystem.disarm()).isPositive();
            assertThat(incremental.failures()).extracting(RunReport.Failure::unit)
                    .containsExactlyInAnyOrder("cd2.users", "cd2.courses", "cd2.submissions");
            settles(sync, contents, faulted, clean, "incremental");

            // the sync state unreadable (every GET of its log refused; a scheduled sync is a fresh JVM, so Delta's
            // cache of logs is cleared): the sync fails with the store's error instead of taking every table for new
            // and downloading its snapshot again, and the next sync settles it
            DeltaLog.clearCache();
            FaultyS3AFileSystem.arm(Fault.failingReads("/dap-faulted/_meta/dap_sync_state/_delta_log/"));
            RunReport unread = sync.apply(faulted);
            assertThat(FaultyS3AFileSystem.disarm()).isPositive();
            assertThat(unread.succeeded()).isFalse();
            assertThat(unread.failures()).allSatisfy(f -> assertThat(f.message())
                    .contains("Injected fault", "/_meta/dap_sync_state/_delta_log/"));
            assertThat(unread.tableCount("cd2.users", "snapshot")).as("no snapshot taken again").isZero();
            settles(sync, contents, faulted, clean, "sync whose state was unreadable");
        } finally {
            CrashRerunDrills.dropSchemas(schemaOf.values());
        }
    }

    @Test
    void aMirrorRunThatCannotReadOneTableMirrorsTheOthersAndTheNextRunCatchesUp(SparkSession spark) throws Exception {
        Lake lake = copyOfCleanEvents(spark, "mirror-read");
        String typed = LakeCatalog.discover(spark, lake, "events").stream()
                .filter(t -> !t.equals("events.live_stream") && !t.equals("events._quarantine")).findFirst()
                .orElseThrow();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String clean = "cl_mread_clean_" + suffix;
        String faulted = "cl_mread_faulted_" + suffix;
        Function<String, RunReport> mirror = schema -> S3LakeTest.runOn(new LakeMirrorJob(), spark, lake, "--tables",
                "events.live_stream," + typed, "--jdbc-url", CrashRerunDrills.PG_URL, "--target-schema", schema);
        try (Connection pg = DriverManager.getConnection(CrashRerunDrills.PG_URL)) {
            assertThat(mirror.apply(clean).failures()).isEmpty();
            // the mirrored tables (the schema's bookkeeping tables name the schema and the time)
            LakeRows.Rules mirrored = RULES.skip("sql.canvaslake_sync_state", "sql.canvaslake_saved_views");
            Map<String, List<String>> expected = LakeRows.ofSchema(pg, clean, mirrored);
            assertThat(expected).containsOnlyKeys("sql.events_live_stream", "sql." + typed.replace('.', '_'))
                    .allSatisfy((table, rows) -> assertThat(rows).as(table).isNotEmpty());

            // every GET of the live stream's Parquet files refused: that table fails, by name; the other is mirrored
            FaultyS3AFileSystem.arm(Fault.failingReads("/mirror-read/events/live_stream/dt=[^/]+/[^/]+\\.parquet$"));
            RunReport hit = mirror.apply(faulted);
            assertThat(FaultyS3AFileSystem.disarm()).isPositive();
            failedAlone(hit, "events.live_stream");
            assertThat(hit.tableCount(typed, "mirrored_rows")).isPositive();

            assertThat(mirror.apply(faulted).failures()).as("the mirror run after the faulted one").isEmpty();
            assertThat(LakeRows.diff(expected, LakeRows.ofSchema(pg, faulted, mirrored))).isEmpty();
        } finally {
            CrashRerunDrills.dropSchemas(List.of(clean, faulted));
            try (Connection pg = DriverManager.getConnection(CrashRerunDrills.PG_URL);
                 Statement s = pg.createStatement()) {
                s.execute("DELETE FROM " + JdbcMirrorState.DEFAULT_TABLE + " WHERE target_table LIKE 'cl_mread_%"
                        + suffix + ".%'");
            }
        }
    }

    /** The run failed {@code unit} alone, by the fault injected. */
    static void failedAlone(RunReport report, String unit) {
        assertThat(report.failures()).as(report.failures().toString()).singleElement().satisfies(f -> {
            assertThat(f.unit()).isEqualTo(unit);
            assertThat(f.message()).contains("Injected fault");
        });
    }

    /** The next sync of {@code faulted}, without a fault, leaves it and its mirror as {@code clean} and its mirror. */
    private static void settles(Function<Lake, RunReport> sync, Function<Lake, Map<String, List<String>>> contents,
                                Lake faulted, Lake clean, String mode) {
        assertThat(sync.apply(faulted).failures()).as("the sync after the faulted " + mode).isEmpty();
        Map<String, List<String>> expected = contents.apply(clean);
        assertThat(expected).containsKeys("cd2.users", "cd2._quarantine", "_meta.dap_sync_state", "sql.users");
        assertThat(LakeRows.diff(expected, contents.apply(faulted))).as("lake and mirror after the faulted " + mode)
                .isEmpty();
    }

    /**
     * A run with the fault armed must fail naming {@code failedUnit}; the next one, without, must end as {@code clean}.
     */
    private void faultThenRerun(SparkSession spark, String name, Fault fault, String failedUnit,
                                Map<String, List<String>> clean) {
        Lake lake = lake(name);
        FaultyS3AFileSystem.arm(fault);
        RunReport faulted = S3LakeTest.runOn(new EventsJob(), spark, lake, eventsArgs());
        assertThat(FaultyS3AFileSystem.disarm()).as(name + ": writes the fault hit").isPositive();
        assertThat(faulted.succeeded()).as(name).isFalse();
        assertThat(faulted.failures()).as(name).allSatisfy(f -> assertThat(f.unit()).startsWith(failedUnit));
        assertThat(faulted.notes()).as(name).anySatisfy(n -> assertThat(n).contains("read again next run"));
        events(spark, lake);
        assertThat(LakeRows.diff(clean, LakeRows.of(spark, lake, RULES))).as(name + ", after the next run").isEmpty();
    }

    /** A fault-free events run on its own lake, once for the class; its writes are counted. */
    private CleanRun cleanEvents(SparkSession spark) {
        if (cleanEvents == null) {
            cleanEvents = counted(lake(CLEAN_EVENTS), lake -> S3LakeTest.runOn(new EventsJob(), spark, lake,
                    eventsArgs()), lake -> LakeRows.of(spark, lake, RULES));
            assertThat(cleanEvents.rows()).containsKeys("events.live_stream", "_meta.events_ledger");
        }
        return cleanEvents;
    }

    /**
     * What both log-read cases' lakes must end as: a copy of {@link #cleanEvents}' lake after a fault-free run on the
     * later objects ({@link #LOG_READ_LATER}, landed here on first use). The same for both, so run once.
     */
    private Map<String, List<String>> logReadExpected(SparkSession spark) throws IOException {
        if (logReadExpected == null) {
            land(LOG_READ_LATER, 13, 40);
            Lake clean = copyOfCleanEvents(spark, "log-read-clean");
            S3LakeTest.run(new EventsJob(), spark, clean, LOG_READ_ARGS);
            logReadExpected = LakeRows.of(spark, clean, RULES);
        }
        return logReadExpected;
    }

    /**
     * A lake of its own holding a copy of {@link #cleanEvents}' lake: what a fault-free events run writes, without
     * running it again.
     */
    private Lake copyOfCleanEvents(SparkSession spark, String name) {
        cleanEvents(spark);
        server.copy(BUCKET, CLEAN_EVENTS + "/", name + "/", key -> true);
        return lake(name);
    }

    private static Lake lake(String name) {
        return Lake.at("s3://" + BUCKET + "/" + name);
    }

    /** A successful events run on the lake. */
    private static Lake events(SparkSession spark, Lake lake) {
        S3LakeTest.run(new EventsJob(), spark, lake, eventsArgs());
        return lake;
    }

    private static String[] eventsArgs() {
        return new String[] {"--raw", RAW, "--optimize", "never"};
    }
}
