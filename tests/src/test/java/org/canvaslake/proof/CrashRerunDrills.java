package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.dap.DapCommand;
import org.canvaslake.dap.DapSyncJob;
import org.canvaslake.events.EventsJob;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.product.ProductJob;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost, nothing doubled: each job (events, canvas, dap, product) is crashed at its named crash points —
 * where its data is written and its bookkeeping (ledger, sync state, product state, the other tables) is not —
 * in a lake's first run and in an incremental run after the source changed; then run again normally. Every table
 * it writes must then equal, row for row, the tables of the same runs without a crash (the uninterrupted baseline
 * is built first, with the same inputs). The crash is in-process ({@code CrashPoints}' exception mode: the rest of
 * the run stops and no run report is recorded, as after a kill); {@code KillNineIT} kills real JVMs.
 *
 * <p>The drills are split between two test classes ({@link EventsCanvasCrashRerunTest}, {@link
 * DapProductCrashRerunTest}) of about equal length, which surefire runs in its two JVMs side by side. Each prints
 * {@code crash points: N tried, N held}. Inputs are the smallest there are (a handful of events,
 * {@link Institution.Size#TEST}): what is tested is where a job stops, not how much it carries. To save runs, a
 * drill of an incremental run starts from a copy of the baseline lake after its first run; the copies share one
 * raw root outside the lake where the ledger names objects by path.
 */
@ExtendWith(SparkTest.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CrashRerunDrills {

    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private final List<String> jobsRun = new ArrayList<>();
    private int lakes;
    private int tried;
    private final long started = System.nanoTime();
    private final long startedCpu = CrashDrill.cpuNanos();

    @TempDir
    Path tmp;

    /** The jobs this class drills. */
    abstract List<String> jobs();

    /** The fewest crash moments those jobs must try together. */
    abstract int minimumCrashes();

    // ---------------------------------------------------------------- events

    private static final String LIVE = EventsJob.CRASH_AFTER_TABLE + "events.live_stream";
    private static final String LOGGED_IN = EventsJob.CRASH_AFTER_TABLE + "events.logged_in";
    private static final String ASSET_ACCESSED = EventsJob.CRASH_AFTER_TABLE + "events.asset_accessed";

    void eventsJob(SparkSession spark) {
        CrashDrill drill = new CrashDrill("events");
        Path raw = tmp.resolve("events-raw");
        LakeRows.Rules rules = LakeRows.Rules.dropping("*", "run_id", "compacted_at");
        Function<Path, RunReport> run = lake -> events(spark, lake, raw);

        land(raw, fixtureBatchA());
        Map<String, List<String>> afterFirst = baseline(spark, run, tmp.resolve("events-base-1"), rules);
        Path first = tmp.resolve("events-base-1");
        // after the first table (the others unwritten), and after all tables (the ledger unwritten)
        for (String point : List.of(LIVE, EventsJob.CRASH_BEFORE_LEDGER)) {
            Path lake = fresh("events-first");
            drill.crashThenRerun("first run", point, () -> run.apply(lake),
                    () -> LakeRows.of(spark, lake, rules), afterFirst);
        }

        land(raw, fixtureBatchB());
        Map<String, List<String>> afterNext = baseline(spark, run, CrashDrill.copy(first, tmp.resolve("events-base-2")),
                rules);
        assertThat(afterNext.get("events.live_stream")).as("3 distinct events: the redelivery is not doubled")
                .hasSize(3);
        assertThat(afterNext.get("events._quarantine")).hasSize(2);
        // in the middle too: after a table this run appended to past the redelivery it already held
        // (asset_accessed), after a table this run created (logged_in)
        for (String point : List.of(LIVE, ASSET_ACCESSED, LOGGED_IN, EventsJob.CRASH_BEFORE_LEDGER)) {
            Path lake = CrashDrill.copy(first, fresh("events-next"));
            drill.crashThenRerun("incremental run", point, () -> run.apply(lake),
                    () -> LakeRows.of(spark, lake, rules), afterNext);
        }
        finish(drill);
    }

    private static RunReport events(SparkSession spark, Path lake, Path raw) {
        EventsJob job = new EventsJob();
        // one table at a time: a crash after one table's commit then leaves the tables after it unwritten
        return run(job, spark, Options.parse(job.spec(), List.of("--lake", lake.toString(), "--raw-root",
                raw.toString(), "--write-threads", "1")));
    }

    private static List<LiveEventMessage> fixtureBatchA() {
        return List.of(fixture("a-asset", "01_asset_accessed.json", "2026-09-01T10:00:00Z"),
                new LiveEventMessage("a-broken", Instant.parse("2026-09-01T10:00:01Z"),
                        Map.of("event_name", "grade_change"), "{\"metadata\": {\"event_name\": \"grade_ch"));
    }

    private static List<LiveEventMessage> fixtureBatchB() {
        return List.of(fixture("b-login", "05_logged_in.json", "2026-09-01T11:00:00Z"),
                fixture("b-asset", "04_asset_accessed.json", "2026-09-01T11:00:00Z"),
                // a redelivery of batch A's event: must not double
                fixture("b-redelivered", "01_asset_accessed.json", "2026-09-01T11:00:02Z"),
                new LiveEventMessage("b-empty", Instant.parse("2026-09-01T11:00:01Z"), Map.of(), ""));
    }

    private static LiveEventMessage fixture(String id, String file, String receivedAt) {
        try {
            String body = Files.readString(Fixtures.file("canvas/" + file), StandardCharsets.UTF_8);
            String name = file.substring(file.indexOf('_') + 1, file.length() - ".json".length());
            return new LiveEventMessage(id, Instant.parse(receivedAt), Map.of("event_name", name), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void land(Path root, List<LiveEventMessage> batch) {
        try {
            Files.createDirectories(root);
            new BatchLander(new LocalObjectStore(root)).land(batch);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot land a batch under " + root, e);
        }
    }

    // ---------------------------------------------------------------- canvas

    void canvasJob(SparkSession spark) {
        CrashDrill drill = new CrashDrill("canvas");
        // snapshot times are the run's start: a re-run takes its versions at another moment, so they compare by rank
        LakeRows.Rules rules = LakeRows.Rules.dropping("*").rankTimes("snapshot_at", "valid_from", "valid_to");
        Institution v0 = Institution.generate(11, Institution.Size.TEST);
        try (FakeCanvasServer canvas = FakeCanvasServer.start(v0)) {
            Function<Path, RunReport> run = lake -> canvas(spark, lake, canvas);
            Path first = tmp.resolve("canvas-base-1");
            Map<String, List<String>> afterFirst = baseline(spark, run, first, rules);
            for (String point : List.of(CanvasJob.CRASH_BEFORE_MANIFESTS, CanvasJob.CRASH_AFTER_HISTORY + "users",
                    CanvasJob.CRASH_AFTER_LATEST + "courses")) {
                Path lake = fresh("canvas-first");
                drill.crashThenRerun("first run", point, () -> run.apply(lake),
                        () -> LakeRows.of(spark, lake, rules), afterFirst);
            }

            // a week later: renamed, changed, deleted and new objects
            canvas.setSnapshot(v0.evolve(1));
            Map<String, List<String>> afterNext = baseline(spark, run,
                    CrashDrill.copy(first, tmp.resolve("canvas-base-2")), rules);
            for (String point : List.of(CanvasJob.CRASH_AFTER_RAW, CanvasJob.CRASH_AFTER_HISTORY + "courses",
                    CanvasJob.CRASH_AFTER_LATEST + "assignments")) {
                Path lake = CrashDrill.copy(first, fresh("canvas-next"));
                drill.crashThenRerun("incremental run", point, () -> run.apply(lake),
                        () -> LakeRows.of(spark, lake, rules), afterNext);
            }
        }
        finish(drill);
    }

    private static RunReport canvas(SparkSession spark, Path lake, FakeCanvasServer canvas) {
        CanvasJob job = new CanvasJob();
        return run(job, spark, Options.parse(job.spec(), List.of("--lake", lake.toString(), "--canvas-url",
                canvas.baseUrl(), "--canvas-token", canvas.token(), "--per-page", "50", "--concurrency", "2",
                "--max-requests-per-second", "1000")));
    }

    // ---------------------------------------------------------------- dap

    /**
     * A dap lake and its mirror after a run that stopped part way and a re-run, against the same runs uninterrupted.
     * The sync state's job id and time name the run; its mode and counts are the last sync's own account (the re-run
     * syncs again a table whose state was saved before the stop: an incremental of nothing); what says where the table
     * stands (last_until, schema version, columns) is compared. The mirror's state likewise, but for its source,
     * which names the lake table it was loaded from (each lake's own; {@code DapSyncTest} checks it).
     */
    static final LakeRows.Rules DAP_RULES_AFTER_A_RESYNC = LakeRows.Rules.dropping("_meta.dap_sync_state",
                    "last_job_id", "updated_at", "last_mode", "records", "rows_upserted", "rows_deleted")
            .drop("cd2._quarantine", "job_id", "quarantined_at", "source_file")
            .drop("sql.canvaslake_sync_state", "source", "detail", "rows_staged", "rows_deleted", "updated_at");

    void dapSyncJob(SparkSession spark) throws SQLException {
        CrashDrill drill = new CrashDrill("dap");
        LakeRows.Rules rules = DAP_RULES_AFTER_A_RESYNC;
        List<String> schemas = new ArrayList<>();
        try (FakeDapServer dap = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST).withRecordsPerObject(100));
             Connection pg = DriverManager.getConnection(PG_URL)) {
            // two lines DAP could not serialise: every query of courses brings them, and cd2._quarantine keeps them
            dap.addBrokenLines("courses", List.of("{\"meta\": {\"ts\": \"2026-", "not a record at all"));
            Map<Path, String> schemaOf = new TreeMap<>();
            Function<Path, RunReport> run = lake -> dap(spark, lake, dap, schemaOf.get(lake));
            Function<Path, Map<String, List<String>>> contents = lake -> LakeRows.withMirror(spark,
                    Lake.at(lake.toString()), pg, schemaOf.get(lake), rules);
            Function<Path, Path> withSchema = lake -> {
                String schema = "cl_crash_" + UUID.randomUUID().toString().substring(0, 8);
                schemas.add(schema);
                schemaOf.put(lake, schema);
                return lake;
            };

            Path first = withSchema.apply(tmp.resolve("dap-base-1"));
            assertThat(run.apply(first).failures()).isEmpty();
            Map<String, List<String>> afterFirst = contents.apply(first);
            assertThat(afterFirst).containsKeys("cd2.users", "cd2.submissions", "sql.users", "sql.submissions");
            assertThat(afterFirst.get("cd2._quarantine")).hasSize(2);
            for (String point : List.of(DapSyncJob.CRASH_AFTER_DELTA + "users", DapSyncJob.CRASH_AFTER_QUARANTINE
                    + "courses", DapSyncJob.CRASH_AFTER_MIRROR + "courses")) {
                Path lake = withSchema.apply(fresh("dap-first"));
                drill.crashThenRerun("first run (snapshots)", point, () -> run.apply(lake),
                        () -> contents.apply(lake), afterFirst);
            }

            // a day later in DAP: updates, inserts and hard deletes as incrementals
            dap.advance();
            Path second = withSchema.apply(CrashDrill.copy(first, tmp.resolve("dap-base-2")));
            copySchema(pg, schemaOf.get(first), schemaOf.get(second));
            assertThat(run.apply(second).failures()).isEmpty();
            Map<String, List<String>> afterNext = contents.apply(second);
            assertThat(afterNext).isNotEqualTo(afterFirst);
            assertThat(afterNext.get("cd2._quarantine")).as("the same bad lines, kept once").hasSize(2);
            for (String point : List.of(DapSyncJob.CRASH_AFTER_QUARANTINE + "courses", DapSyncJob.CRASH_AFTER_MIRROR
                    + "submissions", DapSyncJob.CRASH_AFTER_STATE + "courses")) {
                Path lake = withSchema.apply(CrashDrill.copy(first, fresh("dap-next")));
                copySchema(pg, schemaOf.get(first), schemaOf.get(lake));
                drill.crashThenRerun("incremental run", point, () -> run.apply(lake), () -> contents.apply(lake),
                        afterNext);
            }
            finish(drill);
        } finally {
            dropSchemas(schemas);
        }
    }

    private static RunReport dap(SparkSession spark, Path lake, FakeDapServer dap, String schema) {
        // one table at a time, so a crash in one table leaves the tables after it unsynced
        return dapSync(spark, lake.toString(), dap, schema, "--parallelism", "1");
    }

    /** {@code dap sync} of users, courses and submissions from the fake DAP server, mirrored to PostgreSQL. */
    static RunReport dapSync(SparkSession spark, String lake, FakeDapServer dap, String schema, String... more) {
        DapSyncJob job = new DapSyncJob();
        Map<String, String> env = Map.of("DAP_CLIENT_ID", dap.clientId(), "DAP_CLIENT_SECRET", dap.clientSecret());
        List<String> args = new ArrayList<>(List.of("sync", "--tables", "users,courses,submissions", "--base-url",
                dap.baseUrl(), "--lake", lake, "--poll-seconds", "0.05", "--jobs-per-minute", "6000", "--pg-url",
                PG_URL, "--db-schema", schema));
        args.addAll(List.of(more));
        return run(job, spark, Options.parse(new DapCommand().spec(), args, env::get, SecretResolver.aws()));
    }

    /** A PostgreSQL schema as another (the mirror's state after a baseline run, to start a drill from). */
    private static void copySchema(Connection pg, String from, String to) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = pg.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name FROM "
                + "information_schema.tables WHERE table_schema = '" + from + "' AND table_type = 'BASE TABLE'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        // the mirror's saved views (none here) live in a table with a serial id: the mirror creates it itself
        tables.remove("canvaslake_saved_views");
        try (Statement s = pg.createStatement()) {
            s.execute("CREATE SCHEMA \"" + to + "\"");
            for (String t : tables) {
                s.execute("CREATE TABLE \"" + to + "\".\"" + t + "\" (LIKE \"" + from + "\".\"" + t
                        + "\" INCLUDING ALL)");
                s.execute("INSERT INTO \"" + to + "\".\"" + t + "\" SELECT * FROM \"" + from + "\".\"" + t + "\"");
            }
        }
    }

    static void dropSchemas(Collection<String> schemas) throws SQLException {
        try (Connection pg = DriverManager.getConnection(PG_URL); Statement s = pg.createStatement()) {
            for (String schema : schemas) {
                s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }

    // ---------------------------------------------------------------- product

    void productJob(SparkSession spark) throws Exception {
        CrashDrill drill = new CrashDrill("product");
        LakeRows.Rules rules = LakeRows.Rules.dropping("*", "run_id", "compacted_at")
                .drop("_meta.product_state", "updated_at");
        Institution institution = Institution.generate(23, Institution.Size.TEST);
        Path raw = tmp.resolve("product-raw");
        Path inputs = tmp.resolve("product-inputs");
        // the inputs as the other jobs write them: sandbox events of that institution and its REST snapshot
        SandboxEventsCommand.land(generator(institution, 1), 24, raw, 6);
        assertThat(events(spark, inputs, raw).failures()).isEmpty();
        try (FakeCanvasServer canvas = FakeCanvasServer.start(institution)) {
            assertThat(canvas(spark, inputs, canvas).failures()).isEmpty();
        }
        Function<Path, RunReport> run = lake -> product(spark, lake);

        Path first = CrashDrill.copy(inputs, tmp.resolve("product-base-1"));
        Map<String, List<String>> afterFirst = baseline(spark, run, first, rules);
        assertThat(afterFirst.get("product.learning_events")).isNotEmpty();
        for (String point : List.of(ProductJob.CRASH_AFTER_EVENTS_FEED, ProductJob.CRASH_AFTER_TABLE)) {
            Path lake = CrashDrill.copy(inputs, fresh("product-first"));
            drill.crashThenRerun("first run", point, () -> run.apply(lake), () -> LakeRows.of(spark, lake, rules),
                    afterFirst);
        }

        // more events arrive and are compacted: the next product run reads them through the Change Data Feed
        SandboxEventsCommand.land(generator(institution, 2), 18, raw, 6);
        assertThat(events(spark, first, raw).failures()).isEmpty();
        Map<String, List<String>> afterNext = baseline(spark, run,
                CrashDrill.copy(first, tmp.resolve("product-base-2")), rules);
        assertThat(afterNext.get("product.learning_events")).hasSizeGreaterThan(
                afterFirst.get("product.learning_events").size());
        for (String point : List.of(ProductJob.CRASH_AFTER_TABLE, ProductJob.CRASH_AFTER_STATE,
                "product" + SparkJob.CRASH_BEFORE_RUN_LOG)) {
            Path lake = CrashDrill.copy(first, fresh("product-next"));
            drill.crashThenRerun("incremental run", point, () -> run.apply(lake),
                    () -> LakeRows.of(spark, lake, rules), afterNext);
        }
        finish(drill);
    }

    private static LiveEventGenerator generator(Institution institution, long seed) {
        // two event types keep the typed tables few; submissions join assignments
        return new LiveEventGenerator(institution, seed).only("asset_accessed", "submission_created");
    }

    private static RunReport product(SparkSession spark, Path lake) {
        ProductJob job = new ProductJob();
        return run(job, spark, Options.parse(job.spec(), List.of("--lake", lake.toString())));
    }

    // ---------------------------------------------------------------- shared

    @AfterAll
    void total() {
        // totals of this JVM: a class run after another in the same JVM counts both
        int triedHere = CrashDrill.totalTried();
        int held = CrashDrill.totalHeld();
        System.out.println("crash points: " + triedHere + " tried, " + held + " held");
        System.out.printf("%s took %d s, %d s of CPU in this JVM%n", String.join(" and ", jobs()),
                (System.nanoTime() - started) / 1_000_000_000, (CrashDrill.cpuNanos() - startedCpu) / 1_000_000_000);
        CrashDrill.labels().forEach(l -> System.out.println("  " + l));
        assertThat(held).as("crashes whose re-run equals the uninterrupted runs").isEqualTo(triedHere);
        if (jobsRun.containsAll(jobs())) {
            assertThat(tried).as("crash moments across " + jobs()).isGreaterThanOrEqualTo(minimumCrashes());
        }
    }

    private void finish(CrashDrill drill) {
        jobsRun.add(drill.job());
        tried += drill.tried();
        assertThat(drill.notHeld()).as("crashes whose re-run differs from the uninterrupted runs").isEmpty();
        assertThat(drill.tried()).isPositive();
    }

    private Map<String, List<String>> baseline(SparkSession spark, Function<Path, RunReport> run, Path lake,
                                                      LakeRows.Rules rules) {
        RunReport report = run.apply(lake);
        assertThat(report.failures()).as("uninterrupted run on " + lake).isEmpty();
        return LakeRows.of(spark, lake, rules);
    }

    private Path fresh(String label) {
        return tmp.resolve(label + "-" + (++lakes));
    }

    private static RunReport run(SparkJob job, SparkSession spark, Options options) {
        return job.runWith(spark, options, job.runReport(options));
    }
}
