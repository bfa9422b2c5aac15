package org.canvaslake.dap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeResult;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.dap.DapSyncState.TableState;
import org.canvaslake.mirror.JdbcMirror;
import org.canvaslake.mirror.LoadMode;
import org.canvaslake.mirror.MirrorResult;
import org.canvaslake.mirror.MirrorTarget;
import org.canvaslake.mirror.SyncPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DAP table, one sync: DAP query (source) → downloaded objects in raw → typed, latest-per-key rows (transform) →
 * {@code cd2.<table>} in Delta and the SQL mirrors (sinks) → the sync state, last. No state yet: a snapshot;
 * otherwise an incremental from the previous {@code until}.
 *
 * <p>Applying a batch twice gives the same table (MERGE on the key, updates only where a value differs, deletes of
 * absent keys change nothing), which is what makes a run killed before its state write safe to repeat.
 */
final class TableSync {

    private static final Logger LOG = LoggerFactory.getLogger(TableSync.class);
    /** Between the DAP table and the lake table in a mirror's source ({@link #mirrorSource}, {@link #loadedFrom}). */
    private static final String SOURCE_IN = " in ";

    /** Test seam: called when the data is applied and the state is not yet written. */
    @FunctionalInterface
    interface Checkpoint {
        void dataApplied(String table);

        Checkpoint NONE = table -> { };
    }

    /** A SQL database the tables are mirrored into, and the schema (MariaDB: database) they go to. */
    record Mirror(JdbcMirror mirror, String schema) {
    }

    /** What one table's sync did. */
    record Outcome(String table, String mode, long records, long rows, long upserted, long deleted, long rejected,
                   int schemaVersion, List<String> schemaChanges, List<String> notes, String position,
                   Map<String, MirrorResult> mirrors, long millis) {
    }

    private final SparkSession spark;
    private final Lake lake;
    private final DapClient client;
    private final String namespace;
    private final List<Mirror> mirrors;
    private final DapSyncState state;
    private final Checkpoint checkpoint;
    private final LakeLease lease;

    /** {@code lease}: the run's, checked before each commit (the table, its quarantine, each mirror, the state). */
    TableSync(SparkSession spark, Lake lake, DapClient client, String namespace, List<Mirror> mirrors,
              DapSyncState state, Checkpoint checkpoint, LakeLease lease) {
        this.spark = spark;
        this.lake = lake;
        this.client = client;
        this.namespace = namespace;
        this.mirrors = List.copyOf(mirrors);
        this.state = state;
        this.checkpoint = checkpoint;
        this.lease = lease;
    }

    static String lakeTable(String table) {
        return "cd2." + table;
    }

    Outcome sync(String table, TableState previous, boolean forceSnapshot) {
        // a table queued behind one that crashed the process would never have started
        CrashPoints.stopIfCrashed();
        long start = System.nanoTime();
        List<String> notes = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        String path = lake.table(lakeTable(table));
        boolean tableExists = DeltaTables.exists(spark, path);
        boolean snapshot = forceSnapshot || previous == null || !tableExists;
        if (previous != null && !tableExists && !forceSnapshot) {
            notes.add("sync state found but " + lakeTable(table) + " is missing: taking a new snapshot");
        }

        DapSchema schema = client.schema(namespace, table);
        DapJob job;
        try {
            job = client.runQuery(namespace, table, snapshot ? DapQuery.snapshot()
                    : DapQuery.incremental(previous.lastUntil()));
        } catch (DapApiException e) {
            if (snapshot || !e.snapshotRequired()) {
                throw e;
            }
            notes.add("DAP requires a new snapshot (" + e.getMessage() + "): taking one");
            snapshot = true;
            job = client.runQuery(namespace, table, DapQuery.snapshot());
        }
        if (job.position() == null) {
            throw new DapApiException("DAP job " + job.id() + " for " + table + " completed without 'at' or 'until'",
                    -1, null, null, null);
        }
        if (job.schemaVersion() != null && job.schemaVersion() != schema.version()) {
            // the table's schema moved between our schema read and the query: read the one the records follow
            schema = client.schema(namespace, table);
        }
        if (previous != null && previous.schemaVersion() != null && previous.schemaVersion() != schema.version()) {
            changes.add("schema version " + previous.schemaVersion() + " -> " + schema.version());
        }

        List<DapObjects.Downloaded> objects = DapObjects.download(client, spark.sparkContext().hadoopConfiguration(),
                lake, namespace, table, job);
        long records = objects.stream().mapToLong(DapObjects.Downloaded::records).sum();
        List<String> files = objects.stream().map(DapObjects.Downloaded::path).toList();
        if (!schema.hasKeys()) {
            schema = schema.withKeys(keyNames(files));
        }
        schema.requireKeys();
        DapRecords.Batch batch = DapRecords.cache(DapRecords.read(spark, files, schema));
        try {
            long rejected = quarantine(table, job, batch.rejected());
            if (rejected > 0) {
                notes.add(rejected + " record(s) could not be read; see cd2._quarantine");
                CrashPoints.check(DapSyncJob.CRASH_AFTER_QUARANTINE + table);
            }
            Dataset<Row> rows = batch.rows();
            long rowCount = rows.count();
            long upserted;
            long deleted;
            List<String> before = tableExists ? Arrays.asList(DeltaTables.read(spark, path).columns()) : List.of();
            lease.ensureHeld();
            if (snapshot) {
                DeltaTables.overwrite(rows.drop(DapRecords.DELETED), path, List.of());
                upserted = rowCount;
                deleted = 0;
                if (tableExists) {
                    notes.add("snapshot replaced the table's previous content (Delta history keeps it)");
                }
            } else {
                changes.addAll(alignTypes(path, rows.schema()));
                MergeResult r = DeltaTables.merge(spark, rows, path,
                        MergeSpec.on(schema.keyNames().toArray(String[]::new)).deleteWhere(DapRecords.DELETED));
                upserted = r.inserted() + r.updated();
                deleted = r.deleted();
            }
            List<String> after = Arrays.asList(DeltaTables.read(spark, path).columns());
            if (tableExists) {
                after.stream().filter(c -> !before.contains(c)).forEach(c -> changes.add("column " + c + " added"));
            }
            List<String> current = Arrays.asList(rows.columns());
            after.stream().filter(c -> !current.contains(c)).forEach(c -> notes.add("column " + c
                    + " is no longer in the DAP schema; kept in " + lakeTable(table)));
            LakeCatalog.register(spark, lake, lakeTable(table));
            CrashPoints.check(DapSyncJob.CRASH_AFTER_DELTA + table);

            String mode = snapshot ? "snapshot" : "incremental";
            Map<String, MirrorResult> mirrored = new LinkedHashMap<>();
            for (Mirror m : mirrors) {
                lease.ensureHeld();
                String name = m.mirror().databaseName();
                for (int n = 2; mirrored.containsKey(name); n++) {
                    name = m.mirror().databaseName() + "_" + n;
                }
                mirrored.put(name, mirror(m, table, schema, job, rows, path, snapshot ? null : previous.lastUntil(),
                        changes, notes));
            }

            if (!mirrors.isEmpty()) {
                CrashPoints.check(DapSyncJob.CRASH_AFTER_MIRROR + table);
            }
            checkpoint.dataApplied(table);
            lease.ensureHeld();
            state.save(new TableState(namespace, table, schema.version(), job.position(), job.id(), mode, records,
                    upserted, deleted, after, Instant.now()));
            CrashPoints.check(DapSyncJob.CRASH_AFTER_STATE + table);
            long millis = (System.nanoTime() - start) / 1_000_000;
            LOG.info("DAP {}.{}: {} from {} ({} records, {} rows) -> {} upserted, {} deleted in {} ms; now at {}",
                    namespace, table, mode, snapshot ? "scratch" : previous.lastUntil(), records, rowCount, upserted,
                    deleted, millis, job.position());
            return new Outcome(table, mode, records, rowCount, upserted, deleted, rejected, schema.version(), changes,
                    notes, job.position(), mirrored, millis);
        } finally {
            batch.parsed().unpersist();
        }
    }

    /**
     * Loads the mirror with this batch when it stands where the batch starts and was loaded from this lake table;
     * otherwise (new or recreated table, a mirror that missed runs, a snapshot, a table another lake loaded) with
     * the whole lake table, replacing what it has.
     */
    private MirrorResult mirror(Mirror m, String table, DapSchema schema, DapJob job, Dataset<Row> batch,
                                String path, String previousUntil, List<String> changes, List<String> notes) {
        MirrorTarget target = new MirrorTarget(m.schema(), table, schema.keyNames(), Optional.of(DapRecords.DELETED));
        MirrorResult.TableChange prepared = m.mirror().prepare(target, batch.schema());
        Optional<SyncPosition> at = m.mirror().position(target);
        SyncPosition next = new SyncPosition(mirrorSource(namespace, table, path), job.position(), schema.version(),
                job.id());
        boolean fromHere = at.isEmpty() || loadedFrom(at.get().source(), next.source());
        if (!fromHere) {
            String other = Objects.requireNonNullElse(at.get().source(), "a source it did not record");
            notes.add(m.mirror().databaseName() + " table " + target.name() + " was last loaded from " + other
                    + ", not from this lake: replaced in full from " + path + ". Two lakes (or a lake and another"
                    + " loader) mirroring into one table replace each other's rows on every run: give each its own"
                    + " --db-schema.");
        }
        boolean inStep = previousUntil != null && !prepared.needsFullLoad() && at.isPresent() && fromHere
                && between(previousUntil, at.get().position(), job.position());
        MirrorResult result;
        MirrorTarget replace = new MirrorTarget(m.schema(), table, schema.keyNames(), Optional.empty());
        if (inStep) {
            result = m.mirror().load(batch, target, LoadMode.UPSERT, next);
        } else if (previousUntil == null) {
            // a snapshot batch is the whole table already
            result = m.mirror().load(batch.drop(DapRecords.DELETED), replace, LoadMode.REPLACE, next);
        } else {
            Dataset<Row> whole = withDapMetadata(DeltaTables.read(spark, path), schema);
            result = m.mirror().load(whole, replace, LoadMode.REPLACE, next);
        }
        MirrorResult.TableChange ch = result.change().isEmpty() ? prepared : result.change();
        String db = m.mirror().databaseName();
        ch.addedColumns().stream().filter(c -> !ch.created()).forEach(c -> changes.add(db + " column " + c + " added"));
        ch.changedColumns().forEach(c -> changes.add(db + " column " + c + " type changed"));
        if (ch.recreated()) {
            changes.add(db + " table recreated for key " + schema.keyNames());
        }
        ch.restoredViews().forEach(v -> changes.add(db + " view " + v + " restored"));
        return result;
    }

    /** A flat schema does not say which fields are the key; the records' {@code key} objects do. */
    private List<String> keyNames(List<String> files) {
        try {
            return DapObjects.firstKeyNames(spark.sparkContext().hadoopConfiguration(), files);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot read the first record of " + files, e);
        }
    }

    /**
     * What a mirrored table records as its source: the DAP table and the lake table that holds it, so that a mirror
     * another lake loaded (another account's, whose DAP positions can be the very same instants) is not taken for
     * one this lake's batch continues. A bucket named as {@code s3a://} (or {@code s3n://}) is recorded as
     * {@code s3://}: the same lake whichever connector a run was given.
     */
    static String mirrorSource(String namespace, String table, String path) {
        return "dap:" + namespace + "." + table + SOURCE_IN + Lake.recordedForm(path);
    }

    /**
     * True when a mirror's recorded source is this one, or the DAP table alone (what releases before the lake table
     * was recorded wrote: taken as this lake's, as they did, and rewritten with the lake at this load).
     */
    static boolean loadedFrom(String recorded, String source) {
        return source.equals(recorded) || (recorded != null && !recorded.contains(SOURCE_IN)
                && source.startsWith(recorded + SOURCE_IN));
    }

    /** True when the mirror's position lies within [previous until, new until]: the batch brings it up to date. */
    private static boolean between(String from, String position, String to) {
        if (Objects.equals(from, position)) {
            return true;
        }
        try {
            Instant p = Instant.parse(position);
            return !p.isBefore(Instant.parse(from)) && !p.isAfter(Instant.parse(to));
        } catch (RuntimeException unparseable) {
            return false;
        }
    }

    /**
     * A column whose DAP type changed (e.g. int → long) is rewritten with the new type before the MERGE, which
     * could not store the new values otherwise; Delta's history keeps the old version of the table.
     */
    private List<String> alignTypes(String path, StructType incoming) {
        StructType existing = DeltaTables.read(spark, path).schema();
        Map<String, DataType> wanted = new LinkedHashMap<>();
        for (StructField f : incoming.fields()) {
            if (Arrays.asList(existing.fieldNames()).contains(f.name())
                    && !existing.apply(f.name()).dataType().equals(f.dataType())) {
                wanted.put(f.name(), f.dataType());
            }
        }
        if (wanted.isEmpty()) {
            return List.of();
        }
        Dataset<Row> table = DeltaTables.read(spark, path);
        List<Column> cols = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        for (StructField f : existing.fields()) {
            DataType to = wanted.get(f.name());
            if (to == null) {
                cols.add(col(f.name()));
            } else {
                cols.add(col(f.name()).cast(to).as(f.name(), incoming.apply(f.name()).metadata()));
                changes.add("column " + f.name() + " type " + f.dataType().simpleString() + " -> "
                        + to.simpleString() + " (table rewritten; Delta history keeps the old version)");
            }
        }
        DeltaTables.overwrite(table.select(cols.toArray(Column[]::new)), path, List.of());
        return changes;
    }

    /** The lake table's columns with the schema's field metadata (which columns hold JSON) put back. */
    private static Dataset<Row> withDapMetadata(Dataset<Row> rows, DapSchema schema) {
        StructType wanted = schema.tableSchema();
        List<Column> cols = new ArrayList<>();
        for (String c : rows.columns()) {
            cols.add(Arrays.asList(wanted.fieldNames()).contains(c) ? col(c).as(c, wanted.apply(c).metadata()) : col(c));
        }
        return rows.select(cols.toArray(Column[]::new));
    }

    /**
     * Lines that are not records go to cd2._quarantine with their reason, file and job, once per table and line: a
     * sync cut short before its state is written repeats the same query, which brings the same lines again.
     */
    private long quarantine(String table, DapJob job, Dataset<Row> rejected) {
        long n = rejected.count();
        if (n > 0) {
            Dataset<Row> rows = rejected.withColumn("namespace", lit(namespace)).withColumn("table_name", lit(table))
                    .withColumn("line_sha256", sha2(col("line"), 256))
                    .withColumn("job_id", lit(job.id())).withColumn("quarantined_at", current_timestamp())
                    .dropDuplicates("namespace", "table_name", "line_sha256");
            lease.ensureHeld();
            DeltaTables.merge(spark, rows, lake.table("cd2._quarantine"), MergeSpec.on("namespace", "table_name",
                    "line_sha256").ignoringInComparison("source_file", "job_id", "quarantined_at"));
            LakeCatalog.register(spark, lake, "cd2._quarantine");
            LOG.warn("DAP {}.{}: {} line(s) of job {} could not be read and went to cd2._quarantine", namespace, table,
                    n, job.id());
        }
        return n;
    }
}
