package org.canvaslake.dap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Failures;
import org.canvaslake.common.job.JobContext;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.dap.DapSyncState.TableState;
import org.canvaslake.mirror.JdbcMirror;
import org.canvaslake.mirror.MirrorResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake dap sync}: every selected DAP table into {@code cd2.<table>} (and the SQL mirrors), a few tables
 * at a time. A table that fails is reported and leaves its state where it was; the others go on; the run exits
 * non-zero if any failed.
 */
public final class DapSyncJob extends SparkJob {

    private static final Logger LOG = LoggerFactory.getLogger(DapSyncJob.class);

    /**
     * Crash point prefix: unreadable lines in cd2._quarantine, the table not written
     * ({@code dap.after_quarantine.users}).
     */
    public static final String CRASH_AFTER_QUARANTINE = "dap.after_quarantine.";
    /** Crash point prefix: {@code cd2.<table>} committed; mirrors and sync state not yet. */
    public static final String CRASH_AFTER_DELTA = "dap.after_delta.";
    /** Crash point prefix: Delta and the SQL mirrors loaded, the sync state not yet (reached only with a mirror). */
    public static final String CRASH_AFTER_MIRROR = "dap.after_mirror.";
    /** Crash point prefix: the table's sync state saved; the tables after it in the run not yet synced. */
    public static final String CRASH_AFTER_STATE = "dap.after_state.";

    static final OptionSpec NAMESPACE = OptionSpec.value("namespace", "canvas", "DAP namespace (canvas, canvas_logs, ...)");
    static final OptionSpec TABLES = OptionSpec.value("tables", null,
            "Comma-separated DAP tables to sync (default: all tables of the namespace)");
    static final OptionSpec ALL = OptionSpec.flag("all", "Sync every table of the namespace (the default)");
    static final OptionSpec SNAPSHOT = OptionSpec.flag("snapshot",
            "Take a new snapshot of the selected tables even where a sync state exists (re-initialise them)");
    static final OptionSpec BASE_URL = OptionSpec.value("base-url", "https://api-gateway.instructure.com",
            "DAP API gateway (regional gateways, or the sandbox's URL)").withEnv("DAP_API_URL");
    static final OptionSpec CLIENT_ID = OptionSpec.secret("client-id", "DAP_CLIENT_ID",
            "DAP client id from identity.instructure.com");
    static final OptionSpec CLIENT_SECRET = OptionSpec.secret("client-secret", "DAP_CLIENT_SECRET",
            "DAP client secret from identity.instructure.com");
    static final OptionSpec PARALLELISM = OptionSpec.value("parallelism", "4", "Tables synced at the same time");
    static final OptionSpec JOBS_PER_MINUTE = OptionSpec.value("jobs-per-minute", "5",
            "Most DAP query jobs started per minute by this run, evenly spaced (DAP allows 5 job creations a minute; "
                    + "parallel tables queue here instead of failing)");
    static final OptionSpec JOB_TIMEOUT = OptionSpec.value("job-timeout-minutes", "120",
            "Give up on a DAP query job still running after this long");
    static final OptionSpec POLL_SECONDS = OptionSpec.value("poll-seconds", "2",
            "First wait between polls of a running DAP job; it grows 1.5x per poll up to 30 s");
    static final OptionSpec PG_URL = OptionSpec.value("pg-url", null,
            "Also mirror the tables into PostgreSQL: jdbc:postgresql://host:5432/db").withEnv("CANVASLAKE_PG_URL");
    static final OptionSpec JDBC_URL = OptionSpec.value("jdbc-url", null,
            "Also mirror into MariaDB/MySQL (jdbc:mariadb://host:3306/db) or another PostgreSQL")
            .withEnv("CANVASLAKE_JDBC_URL");
    static final OptionSpec DB_USER = OptionSpec.secret("db-user", "CANVASLAKE_DB_USER", "User for the SQL mirror(s)");
    static final OptionSpec DB_PASSWORD = OptionSpec.secret("db-password", "CANVASLAKE_DB_PASSWORD",
            "Password for the SQL mirror(s)");
    static final OptionSpec DB_SCHEMA = OptionSpec.value("db-schema", null,
            "Schema (MariaDB/MySQL: database) the mirrored tables go to (default: the namespace, e.g. canvas)");

    static final List<OptionSpec> OPTIONS = List.of(NAMESPACE, TABLES, ALL, SNAPSHOT, BASE_URL, CLIENT_ID,
            CLIENT_SECRET, PARALLELISM, JOBS_PER_MINUTE, JOB_TIMEOUT, POLL_SECONDS, PG_URL, JDBC_URL, DB_USER,
            DB_PASSWORD, DB_SCHEMA);

    private final TableSync.Checkpoint checkpoint;
    private final UnaryOperator<DapClient.Settings> tuning;

    public DapSyncJob() {
        this(TableSync.Checkpoint.NONE, UnaryOperator.identity());
    }

    /** With a test seam after each table's data write, and a change to the client settings (e.g. faster backoff). */
    DapSyncJob(TableSync.Checkpoint checkpoint, UnaryOperator<DapClient.Settings> tuning) {
        this.checkpoint = checkpoint;
        this.tuning = tuning;
    }

    @Override
    protected String name() {
        return "dap";
    }

    @Override
    protected String summary() {
        return "Canvas Data 2: sync DAP tables into Delta (cd2.*) and optionally PostgreSQL/MariaDB";
    }

    @Override
    protected String usage() {
        return "dap sync [--tables a,b | --all] [--namespace canvas] [--pg-url ...] [options]";
    }

    @Override
    protected List<OptionSpec> jobOptions() {
        return OPTIONS;
    }

    /** The DAP client the options describe. */
    static DapClient client(Options options, UnaryOperator<DapClient.Settings> tuning) {
        Secret id = options.requireSecret("client-id");
        Secret secret = options.requireSecret("client-secret");
        double poll = positive(options, "poll-seconds");
        DapClient.Settings s = DapClient.Settings.defaults(options.get("base-url").orElseThrow())
                .withPolling(Duration.ofMillis((long) (poll * 1000)), Duration.ofSeconds(30))
                .withJobTimeout(Duration.ofMinutes((long) positive(options, "job-timeout-minutes")))
                // no burst: DAP counts job creations per minute, and a burst on top of the rate would exceed it
                .withJobRate(positive(options, "jobs-per-minute"), 1);
        return DapClient.create(tuning.apply(s), id, secret);
    }

    private static double positive(Options options, String name) {
        String v = options.get(name).orElseThrow();
        try {
            double d = Double.parseDouble(v.trim());
            if (d > 0) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--" + name + " must be a positive number, got '" + v + "'");
    }

    @Override
    protected void execute(JobContext ctx) throws Exception {
        Options options = ctx.options();
        RunReport report = ctx.report();
        String namespace = options.get("namespace").orElse("canvas");
        int parallelism = options.getInt("parallelism");
        if (parallelism < 1) {
            throw new UsageException("--parallelism must be at least 1, got " + parallelism);
        }
        if (options.flag("all") && !options.list("tables").isEmpty()) {
            throw new UsageException("give either --tables or --all, not both");
        }
        List<TableSync.Mirror> mirrors = mirrors(options, namespace);
        DapClient client = client(options, tuning);
        List<String> tables = options.list("tables").isEmpty() ? client.listTables(namespace) : options.list("tables");
        DapSyncState state = new DapSyncState(ctx.spark(), ctx.lake());
        Map<String, TableState> states = state.load(namespace);
        boolean forceSnapshot = options.flag("snapshot");
        TableSync sync = new TableSync(ctx.spark(), ctx.lake(), client, namespace, mirrors, state, checkpoint,
                ctx.lease());
        LOG.info("DAP sync of {} table(s) of {} from {} with parallelism {}{}", tables.size(), namespace,
                client.settings().baseUrl(), parallelism,
                mirrors.isEmpty() ? "" : ", mirrored to " + mirrors.stream()
                        .map(m -> m.mirror().databaseName() + " " + m.mirror().describe() + " schema " + m.schema())
                        .toList());

        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, tables.size())), r -> {
            Thread t = new Thread(r, "dap-sync");
            t.setDaemon(true);
            return t;
        });
        Map<String, Future<TableSync.Outcome>> running = new LinkedHashMap<>();
        try {
            for (String table : tables) {
                running.put(table, pool.submit(() -> sync.sync(table, states.get(table), forceSnapshot)));
            }
            for (Map.Entry<String, Future<TableSync.Outcome>> e : running.entrySet()) {
                String unit = TableSync.lakeTable(e.getKey());
                try {
                    record(report, e.getValue().get());
                } catch (ExecutionException failed) {
                    Throwable cause = failed.getCause();
                    LOG.error("DAP sync of {}.{} failed", namespace, e.getKey(), cause);
                    report.fail(unit, Failures.describe(cause));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        report.counter("dap.http_requests", client.stats().requests());
        report.counter("dap.http_retries", client.stats().retries());
        report.counter("dap.http_throttled", client.stats().throttled());
        report.counter("dap.logins", client.logins());
    }

    private static void record(RunReport report, TableSync.Outcome o) {
        String unit = TableSync.lakeTable(o.table());
        report.count(unit, o.mode(), 1);
        report.count(unit, "records", o.records());
        report.count(unit, "upserted", o.upserted());
        report.count(unit, "deleted", o.deleted());
        if (o.rejected() > 0) {
            report.count(unit, "rejected", o.rejected());
        }
        report.count(unit, "schema_version", o.schemaVersion());
        report.count(unit, "schema_changes", o.schemaChanges().size());
        report.count(unit, "duration_ms", o.millis());
        for (Map.Entry<String, MirrorResult> m : o.mirrors().entrySet()) {
            String db = m.getKey().toLowerCase();
            report.count(unit, db + "_upserted", m.getValue().upserted());
            report.count(unit, db + "_deleted", m.getValue().deleted());
        }
        List<String> text = new ArrayList<>();
        text.add(o.mode() + " up to " + o.position());
        text.addAll(o.schemaChanges().stream().map(c -> "schema change: " + c).toList());
        text.addAll(o.notes());
        report.note(unit + ": " + String.join("; ", text));
    }

    private static List<TableSync.Mirror> mirrors(Options options, String namespace) {
        List<TableSync.Mirror> out = new ArrayList<>();
        String schema = options.get("db-schema").filter(s -> !s.isBlank()).orElse(namespace);
        Secret user = options.secret("db-user").orElse(null);
        Secret password = options.secret("db-password").orElse(null);
        options.get("pg-url").filter(s -> !s.isBlank()).ifPresent(url -> {
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new UsageException("--pg-url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:5432/db); "
                        + "use --jdbc-url for MariaDB/MySQL");
            }
            out.add(new TableSync.Mirror(JdbcMirror.at(url, user, password), schema));
        });
        options.get("jdbc-url").filter(s -> !s.isBlank()).ifPresent(url -> {
            try {
                out.add(new TableSync.Mirror(JdbcMirror.at(url, user, password), schema));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--jdbc-url: " + e.getMessage());
            }
        });
        return out;
    }
}
