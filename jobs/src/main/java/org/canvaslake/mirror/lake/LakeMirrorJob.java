package org.canvaslake.mirror.lake;

import static org.apache.spark.sql.functions.col;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.job.Failures;
import org.canvaslake.common.job.JobContext;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.mirror.JdbcMirror;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake mirror}: copies lake tables into PostgreSQL or MariaDB for BI tools that read SQL, each run
 * only what changed since the Delta version it mirrored last (read from the table's Change Data Feed; inserts and
 * updates upserted by key, deletes deleted). The first run, {@code --full}, or a range the feed does not cover
 * reload the table. Rows go through the shared {@link TableLoader}; the mirrored version of each table is kept
 * in the target database ({@link JdbcMirrorState}) and saved only after its rows are in. One run per target at a time:
 * a lock in the target database ({@link MirrorLock}), taken before anything is read.
 */
public final class LakeMirrorJob extends SparkJob {

    private static final Logger LOG = LoggerFactory.getLogger(LakeMirrorJob.class);

    static final OptionSpec TABLES = OptionSpec.value("tables", null,
            "Lake tables to mirror, comma separated, e.g. events.live_stream,product.learning_events");
    static final OptionSpec JDBC_URL = OptionSpec.value("jdbc-url", null,
            "Target database, e.g. jdbc:postgresql://host:5432/analytics or jdbc:mariadb://host:3306/analytics")
            .withEnv("CANVASLAKE_MIRROR_JDBC_URL");
    static final OptionSpec JDBC_USER = OptionSpec.value("jdbc-user", null, "Database user")
            .withEnv("CANVASLAKE_MIRROR_JDBC_USER");
    static final OptionSpec JDBC_PASSWORD = OptionSpec.secret("jdbc-password", "CANVASLAKE_MIRROR_JDBC_PASSWORD",
            "Database password");
    static final OptionSpec TARGET_SCHEMA = OptionSpec.value("target-schema", null,
            "Put every table into this schema as <database>_<table> (default: schema = the lake database, e.g. "
                    + "events.live_stream -> events.live_stream)");
    static final OptionSpec KEYS = OptionSpec.value("keys", null,
            "Key columns where they cannot be guessed (event_id, else id, else <entity>_id): "
                    + "table=col[+col],... e.g. cd2.enrollments=id");
    static final OptionSpec STATE_TABLE = OptionSpec.value("state-table", JdbcMirrorState.DEFAULT_TABLE,
            "Table in the target database that records the Delta version mirrored per lake table. It also names the "
                    + "run's lock there: one mirror run per state table at a time (a PostgreSQL advisory lock, "
                    + "MariaDB's GET_LOCK), and a run that finds it held stops at once, naming the holder");
    static final OptionSpec FULL = OptionSpec.flag("full", "Reload every listed table completely");
    /** The report's unit for a run that found the target's lock held ({@link MirrorLock}). */
    static final String LOCK_HELD = "mirror (lock held by another run)";

    private final TableLoaders.Factory loaders;
    private final Function<TableLoaders.Target, MirrorState> states;

    public LakeMirrorJob() {
        this(TableLoaders.jdbc(), target -> new JdbcMirrorState(target, JdbcMirrorState.DEFAULT_TABLE));
    }

    /** With another loader and state store (tests; the JdbcMirror adapter once it exists). */
    public LakeMirrorJob(TableLoaders.Factory loaders, Function<TableLoaders.Target, MirrorState> states) {
        this.loaders = loaders;
        this.states = states;
    }

    @Override
    protected String name() {
        return "mirror";
    }

    /**
     * No lake lease: what a mirror run writes, and its state, are in the target database, so a lease on the lake would
     * also keep apart two mirrors into different databases while not covering two lakes mirrored into one. The run
     * takes a lock in the target database instead ({@link MirrorLock}).
     */
    @Override
    protected boolean oneRunAtATime() {
        return false;
    }

    @Override
    protected String summary() {
        return "Copy lake tables into PostgreSQL or MariaDB, incrementally (only the Delta versions since the last "
                + "mirror run)";
    }

    @Override
    protected String usage() {
        return "mirror --tables events.live_stream,product.learning_events --jdbc-url jdbc:postgresql://... [options]";
    }

    @Override
    protected List<OptionSpec> jobOptions() {
        return List.of(TABLES, JDBC_URL, JDBC_USER, JDBC_PASSWORD, TARGET_SCHEMA, KEYS, STATE_TABLE, FULL);
    }

    @Override
    protected void execute(JobContext context) {
        Options options = context.options();
        List<String> tables = options.list("tables");
        if (tables.isEmpty()) {
            throw new UsageException("'canvaslake mirror' needs --tables, e.g. --tables events.live_stream,"
                    + "product.learning_events");
        }
        tables.forEach(Lake::requireTableName);
        String url = options.require("jdbc-url", "the target database, e.g. jdbc:postgresql://127.0.0.1:5432/test");
        if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:mariadb:") && !url.startsWith("jdbc:mysql:")) {
            throw new UsageException("--jdbc-url must be a PostgreSQL or MariaDB JDBC URL (jdbc:postgresql://... "
                    + "or jdbc:mariadb://...), got " + url.replaceAll("password=[^&]*", "password=****"));
        }
        Map<String, List<String>> keys = parseKeys(options.list("keys"));
        TableLoaders.Target target = new TableLoaders.Target(url, options.get("jdbc-user").orElse(null),
                options.secret("jdbc-password").orElse(null));
        String stateTable = options.getOrDefault("state-table", JdbcMirrorState.DEFAULT_TABLE);
        MirrorState state = stateTable.equals(JdbcMirrorState.DEFAULT_TABLE) ? states.apply(target)
                : new JdbcMirrorState(target, stateTable);
        MirrorLock lock;
        try {
            lock = MirrorLock.take(target, stateTable, context.report().runId());
        } catch (MirrorLock.HeldException e) {
            LOG.error("mirror: {}", e.getMessage());
            context.report().fail(LOCK_HELD, e.getMessage() + " This run read and wrote nothing: the run holding the "
                    + "lock goes on, and the next run after it mirrors what it leaves.");
            return;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to " + JdbcMirror.masked(url) + " to "
                    + "take the mirror's lock: " + e.getMessage() + " (check --jdbc-url, --jdbc-user and the "
                    + "password)", e);
        }
        try (lock; TableLoader loader = loaders.open(target)) {
            for (String table : tables) {
                try {
                    lock.ensureHeld();
                    mirror(context.spark(), context.lake(), table, keys, options, loader, state, lock,
                            context.report());
                } catch (UsageException e) {
                    throw e;
                } catch (Exception e) {
                    // Exception, not RuntimeException: Delta and Spark throw Hadoop's IOExceptions undeclared
                    LOG.error("Mirroring {} failed", table, e);
                    context.report().fail(table, Failures.describe(e));
                }
            }
        }
    }

    private void mirror(SparkSession spark, Lake lake, String table, Map<String, List<String>> givenKeys,
                        Options options, TableLoader loader, MirrorState state, MirrorLock lock, RunReport report) {
        long start = System.nanoTime();
        String path = lake.table(table);
        if (!DeltaTables.exists(spark, path)) {
            throw new IllegalStateException("No Delta table " + table + " at " + path + "; check --tables and --lake");
        }
        if (!DeltaChanges.feedEnabled(spark, path) && DeltaChanges.enableFeed(spark, path)) {
            report.note("switched on the Change Data Feed of " + table + " so later mirror runs copy only changes");
        }
        long version = DeltaChanges.currentVersion(spark, path);
        Dataset<Row> current = spark.read().format("delta").option("versionAsOf", version).load(path);
        List<String> keys = givenKeys.containsKey(table) ? givenKeys.get(table) : guessKeys(table, current.columns());
        String[] target = targetName(table, options.get("target-schema").orElse(null));
        String targetTable = target[0] + "." + target[1];
        OptionalLong last = state.version(path, targetTable);

        String mode;
        if (options.flag("full") || last.isEmpty()) {
            mode = options.flag("full") ? "full (--full)" : "full (first mirror of this table into " + targetTable + ")";
            long n = loader.replace(target[0], target[1], current.schema(), keys, current.toLocalIterator()).rows();
            report.count(table, "mirrored_rows", n);
        } else if (last.getAsLong() >= version) {
            mode = "up to date (version " + version + ")";
        } else {
            Dataset<Row> changed;
            try {
                changed = DeltaChanges.lastChangePerKey(
                        DeltaChanges.changes(spark, path, last.getAsLong() + 1, version), keys)
                        .persist(StorageLevel.MEMORY_AND_DISK());
                mode = "incremental (versions " + (last.getAsLong() + 1) + ".." + version + ")";
            } catch (DeltaChanges.ChangesUnavailable e) {
                report.note(table + ": " + e.getMessage() + "; reloading it in full");
                long n = loader.replace(target[0], target[1], current.schema(), keys, current.toLocalIterator())
                        .rows();
                report.count(table, "mirrored_rows", n);
                changed = null;
                mode = "full (changes unavailable)";
            }
            if (changed != null) {
                Column[] columns = Arrays.stream(current.columns()).map(c -> col(c)).toArray(Column[]::new);
                long up = loader.upsert(target[0], target[1], current.schema(), keys,
                        changed.where(col(DeltaChanges.DELETED).equalTo(false)).select(columns).toLocalIterator())
                        .rows();
                Dataset<Row> deletedKeys = changed.where(col(DeltaChanges.DELETED))
                        .select(keys.stream().map(k -> col(k)).toArray(Column[]::new));
                long del = loader.delete(target[0], target[1], deletedKeys.schema(), keys,
                        deletedKeys.toLocalIterator()).rows();
                changed.unpersist();
                report.count(table, "mirrored_upserts", up);
                report.count(table, "mirrored_deletes", del);
            }
        }
        lock.ensureHeld();
        state.save(table, path, targetTable, version, report.runId());
        report.count(table, "delta_version", version);
        LOG.info("Mirrored {} into {}.{}: {} in {} ms", table, target[0], target[1], mode,
                (System.nanoTime() - start) / 1_000_000);
        report.note(table + " -> " + target[0] + "." + target[1] + ": " + mode);
    }

    /** {@code events.live_stream} → {events, live_stream}, or {schema, events_live_stream} with a target schema. */
    static String[] targetName(String table, String targetSchema) {
        String[] parts = table.split("\\.");
        if (targetSchema == null || targetSchema.isBlank()) {
            return parts;
        }
        return new String[] {targetSchema, parts[0] + "_" + parts[1]};
    }

    static Map<String, List<String>> parseKeys(List<String> items) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new UsageException("--keys takes table=column[+column], got '" + item + "'");
            }
            String table = item.substring(0, eq).trim();
            Lake.requireTableName(table);
            out.put(table, Arrays.stream(item.substring(eq + 1).split("\\+")).map(String::trim).toList());
        }
        return out;
    }

    /** event_id for event tables, id for CD2 tables, user_id for canvas.users, ... */
    static List<String> guessKeys(String table, String[] columns) {
        List<String> have = Arrays.asList(columns);
        String entity = table.substring(table.indexOf('.') + 1);
        String singular = entity.endsWith("ies") ? entity.substring(0, entity.length() - 3) + "y"
                : entity.endsWith("s") ? entity.substring(0, entity.length() - 1) : entity;
        for (String candidate : List.of("event_id", "id", singular + "_id")) {
            if (have.contains(candidate)) {
                return List.of(candidate);
            }
        }
        throw new UsageException("Cannot tell the key columns of " + table + " (no event_id, id or " + singular
                + "_id column); give them with --keys " + table + "=<column>[+<column>]");
    }
}
