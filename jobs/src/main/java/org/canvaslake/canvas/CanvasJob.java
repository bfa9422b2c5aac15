package org.canvaslake.canvas;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.job.Failures;
import org.canvaslake.common.job.JobContext;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake canvas}: a full snapshot of users, courses, assignments and enrollments from the Canvas REST API
 * (Canvas offers no "changed since" for them), kept three ways: the pages as received under
 * {@code raw/canvas_api/}, the cleansed latest copy {@code canvas.<entity>}, and the history
 * {@code canvas.<entity>_history} with validity ranges. The run report tells per entity what was fetched and what
 * changed: inserted, updated, deleted, unchanged; requests made and throttled.
 *
 * <p>Data flow: {@link CanvasFetcher} (API to raw) then, per entity, {@link CleansedSnapshot} (raw to rows),
 * {@link SnapshotDiff} and {@link CanvasTables} (rows to Delta). {@code --from-raw} skips the first step. Without
 * {@code --canvas-url} the job snapshots the sandbox institution from an in-process fake Canvas.
 */
public final class CanvasJob extends SparkJob {

    private static final Logger LOG = LoggerFactory.getLogger(CanvasJob.class);

    /** Crash point: every page of every entity saved under raw, no manifest written yet (see {@link CrashPoints}). */
    public static final String CRASH_BEFORE_MANIFESTS = "canvas.before_manifests";
    /** Crash point: the raw snapshot is complete (pages and manifests), no table touched yet. */
    public static final String CRASH_AFTER_RAW = "canvas.after_raw";
    /** Crash point prefix: the entity's history committed, its latest table not ({@code canvas.after_history.x}). */
    public static final String CRASH_AFTER_HISTORY = "canvas.after_history.";
    /** Crash point prefix: the entity's history and latest table committed, the next entities not yet. */
    public static final String CRASH_AFTER_LATEST = "canvas.after_latest.";

    static final OptionSpec ENTITIES = OptionSpec.value("entities", "users,courses,assignments,enrollments",
            "Comma-separated entities to snapshot: users, courses, assignments, enrollments");
    static final OptionSpec URL = OptionSpec.value("canvas-url", null,
            "Canvas root URL, e.g. https://school.instructure.com (unset: an in-process sandbox Canvas)")
            .withEnv("CANVAS_URL");
    static final OptionSpec TOKEN = OptionSpec.secret("canvas-token", "CANVAS_TOKEN",
            "Canvas API access token of an account admin (sent as a Bearer header)");
    static final OptionSpec ACCOUNT = OptionSpec.value("account-id", "self",
            "Account whose users and courses are listed: 'self' (the token's root account) or an id")
            .withEnv("CANVAS_ACCOUNT_ID");
    static final OptionSpec PER_PAGE = OptionSpec.value("per-page", "100",
            "Objects asked per page (Canvas caps it, usually at 100; Link headers are followed either way)");
    static final OptionSpec CONCURRENCY = OptionSpec.value("concurrency", "4",
            "Per-course calls (assignments, enrollments) in flight at once");
    static final OptionSpec RATE = OptionSpec.value("max-requests-per-second", "10",
            "Client-side ceiling on requests a second, shared by all threads");
    static final OptionSpec ATTEMPTS = OptionSpec.value("max-attempts", "6",
            "Tries per request on 5xx, timeouts and throttling (403 Rate Limit Exceeded, 429) before the unit fails");
    static final OptionSpec FROM_RAW = OptionSpec.value("from-raw", null,
            "Rebuild from a saved raw snapshot instead of calling Canvas: dt=YYYY-MM-DD (that day's latest run) or "
                    + "dt=YYYY-MM-DD/run=<run id>");
    static final OptionSpec SANDBOX_SEED = OptionSpec.value("sandbox-seed", "42",
            "Without --canvas-url: seed of the sandbox institution served in-process");
    static final OptionSpec SANDBOX_SNAPSHOT = OptionSpec.value("sandbox-snapshot", "0",
            "Without --canvas-url: how many evolution steps after generation the sandbox serves (changes between runs)");

    @Override
    protected String name() {
        return "canvas";
    }

    @Override
    protected String summary() {
        return "Snapshot users, courses, assignments and enrollments from the Canvas REST API into raw/canvas_api, "
                + "canvas.<entity> and canvas.<entity>_history";
    }

    @Override
    protected String usage() {
        return "canvas [--canvas-url URL --canvas-token TOKEN] [--entities users,courses,...] [--from-raw dt=YYYY-MM-DD]";
    }

    @Override
    protected List<OptionSpec> jobOptions() {
        return List.of(ENTITIES, URL, TOKEN, ACCOUNT, PER_PAGE, CONCURRENCY, RATE, ATTEMPTS, FROM_RAW, SANDBOX_SEED,
                SANDBOX_SNAPSHOT);
    }

    @Override
    protected void execute(JobContext context) {
        Options options = context.options();
        List<CanvasEntity> entities = CanvasEntity.parse(options.list("entities"));
        RawSnapshotStore store = new RawSnapshotStore(context.lake(),
                context.spark().sparkContext().hadoopConfiguration());
        RunReport report = context.report();
        if (entities.size() < CanvasEntity.values().length) {
            // the DAG runs one entity per task: the report page keeps each entity's latest run
            report.scope(entities.stream().map(CanvasEntity::folder).collect(Collectors.joining(",")));
        }

        Map<CanvasEntity, CanvasFetcher.Fetched> snapshots;
        String fromRaw = options.get("from-raw").filter(s -> !s.isBlank()).orElse(null);
        if (fromRaw != null) {
            snapshots = locate(store, entities, fromRaw, report);
        } else {
            snapshots = fetch(options, store, entities, report);
        }
        CrashPoints.check(CRASH_AFTER_RAW);
        for (CanvasEntity entity : entities) {
            CanvasFetcher.Fetched fetched = snapshots.get(entity);
            if (fetched != null) {
                build(context, store, entity, fetched);
            }
        }
    }

    private Map<CanvasEntity, CanvasFetcher.Fetched> fetch(Options options, RawSnapshotStore store,
                                                           List<CanvasEntity> entities, RunReport report) {
        Instant snapshotAt = report.startedAt().truncatedTo(ChronoUnit.MILLIS);
        String url = options.get("canvas-url").filter(s -> !s.isBlank()).orElse(null);
        FakeCanvasServer sandbox = null;
        try {
            Secret token;
            if (url == null) {
                Institution institution = Institution.generate(options.getLong("sandbox-seed"), Institution.Size.DEMO)
                        .evolve(options.getInt("sandbox-snapshot"));
                sandbox = FakeCanvasServer.start(institution);
                url = sandbox.baseUrl();
                token = new Secret(sandbox.token());
                report.note("No --canvas-url: snapshot of the sandbox institution (seed " + institution.seed()
                        + ", snapshot " + institution.version() + ") from an in-process fake Canvas");
            } else {
                token = options.requireSecret("canvas-token");
            }
            CanvasApiSettings settings = CanvasApiSettings.defaults(url, token)
                    .withAccountId(options.getOrDefault("account-id", "self"))
                    .withPaging(options.getInt("per-page"))
                    .withConcurrency(options.getInt("concurrency"))
                    .withRate(rate(options))
                    .withRetries(options.getInt("max-attempts"), Duration.ofMillis(500), Duration.ofSeconds(60));
            CanvasClient client = new CanvasClient(settings);
            Map<CanvasEntity, CanvasFetcher.Fetched> out = new CanvasFetcher(client, store)
                    .fetch(entities, report.runId(), snapshotAt, report);
            report.counter("http.requests", client.stats().requests());
            report.counter("http.retries", client.stats().retries());
            report.counter("http.throttled", client.stats().throttled());
            report.counter("http.slowdowns", client.slowdowns());
            return out;
        } finally {
            if (sandbox != null) {
                sandbox.close();
            }
        }
    }

    private static double rate(Options options) {
        String v = options.get("max-requests-per-second").orElse("10");
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--max-requests-per-second must be a number, got '" + v + "'");
        }
    }

    private static Map<CanvasEntity, CanvasFetcher.Fetched> locate(RawSnapshotStore store, List<CanvasEntity> entities,
                                                                  String spec, RunReport report) {
        Map<CanvasEntity, CanvasFetcher.Fetched> out = new EnumMap<>(CanvasEntity.class);
        for (CanvasEntity entity : entities) {
            try {
                String dir = store.locate(entity, spec);
                RawManifest manifest = store.readManifest(dir);
                report.note(entity.folder() + " rebuilt from " + dir + " (taken " + manifest.snapshotAt() + ")");
                // the failures belong to the run that fetched; the rebuild repeats how they were treated
                manifest.failures().forEach(f -> report.note("the snapshot recorded a failed unit: " + f.unit()
                        + ": " + f.message()));
                out.put(entity, new CanvasFetcher.Fetched(dir, manifest));
            } catch (UsageException e) {
                throw e;
            } catch (Exception e) {
                // Exception, not RuntimeException: Delta and Spark throw Hadoop's IOExceptions undeclared
                report.fail(entity.table(), e.getMessage());
            }
        }
        return out;
    }

    private static void build(JobContext context, RawSnapshotStore store, CanvasEntity entity,
                              CanvasFetcher.Fetched fetched) {
        RawManifest manifest = fetched.manifest();
        RunReport report = context.report();
        String table = entity.table();
        if (!manifest.complete()) {
            report.fail(table, "not updated: the snapshot of " + entity.folder() + " at " + fetched.dir()
                    + " is incomplete (see the failures above); the tables keep their previous state");
            return;
        }
        long start = System.nanoTime();
        // a unit that fails is reported and the next goes on, but not after a crash: the process would be gone
        CrashPoints.stopIfCrashed();
        try (CleansedSnapshot snapshot = CleansedSnapshot.read(context.spark(), store, entity, fetched.dir(),
                manifest.snapshotAt())) {
            Set<Long> failedCourses = manifest.failedCourses();
            context.lease().ensureHeld();
            CanvasTables.Applied applied = CanvasTables.apply(context.spark(), context.lake(), entity, snapshot.rows(),
                    manifest.snapshotAt(), failedCourses);
            CrashPoints.check(CRASH_AFTER_LATEST + entity.folder());
            report.count(table, "fetched", snapshot.received());
            report.count(table, "inserted", applied.inserted());
            report.count(table, "updated", applied.updated());
            report.count(table, "deleted", applied.deleted());
            report.count(table, "unchanged", applied.unchanged());
            if (applied.kept() > 0) {
                report.count(table, "kept_failed_course", applied.kept());
            }
            if (snapshot.duplicates() > 0) {
                report.count(table, "duplicates", snapshot.duplicates());
            }
            if (snapshot.withoutId() > 0) {
                report.count(table, "without_id", snapshot.withoutId());
            }
            if (snapshot.badTimestamps() > 0) {
                report.count(table, "bad_timestamps", snapshot.badTimestamps());
            }
            LOG.info("{}: {} fetched, {} inserted, {} updated, {} deleted, {} unchanged{} in {} ms", table,
                    snapshot.received(), applied.inserted(), applied.updated(), applied.deleted(), applied.unchanged(),
                    applied.kept() > 0 ? ", " + applied.kept() + " kept (their course failed)" : "",
                    (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            // Exception, not RuntimeException: Delta and Spark throw Hadoop's IOExceptions undeclared
            LOG.error("{} could not be updated from {}", table, fetched.dir(), e);
            report.fail(table, Failures.describe(e));
        }
    }
}
