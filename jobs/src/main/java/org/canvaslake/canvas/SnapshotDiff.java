package org.canvaslake.canvas;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * Slowly changing dimension, type 2: what a new full snapshot of an entity changes in its history. Pure Spark: a
 * snapshot and the history's current rows in, the rows to write to the history and the counts out.
 *
 * <p>Each id's current version is compared with the snapshot by the hash of its cleansed columns:
 * <ul>
 *   <li>new id: a version starts ({@code valid_from} = snapshot time, open-ended, current) — <b>inserted</b>;</li>
 *   <li>different hash, or back after being deleted: the current version is closed ({@code valid_to} = snapshot
 *       time) and a new one starts — <b>updated</b>;</li>
 *   <li>same hash: nothing is written — <b>unchanged</b>;</li>
 *   <li>missing from the snapshot: the current version is closed and a deleted version ({@code is_deleted}) starts,
 *       so the row is never erased — <b>deleted</b>; unless it belongs to a course whose list failed in this run,
 *       then it is left as it is — <b>kept</b>.</li>
 * </ul>
 * Applying the same snapshot twice changes nothing the second time, and a snapshot older than the history's latest
 * version is refused (it would make validity ranges run backwards).
 */
public final class SnapshotDiff implements AutoCloseable {

    /** What the snapshot means for one id. */
    public enum Change {
        INSERTED, UPDATED, DELETED, UNCHANGED,
        /** missing, but its course failed in this run: not judged */
        KEPT,
        /** missing and already deleted before */
        GONE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String CHANGE = "__change";
    private static final String S = "s__";
    private static final String H = "h__";

    private final Dataset<Row> classified;
    private final Dataset<Row> historyChanges;
    private final Map<Change, Long> counts;

    private SnapshotDiff(Dataset<Row> classified, Dataset<Row> historyChanges, Map<Change, Long> counts) {
        this.classified = classified;
        this.historyChanges = historyChanges;
        this.counts = counts;
    }

    /** The hash change detection compares: SHA-256 of the cleansed columns as JSON, in entity order. */
    public static Column rowHash(List<String> dataColumns) {
        return sha2(to_json(struct(dataColumns.stream().map(c -> col(c)).toArray(Column[]::new))), 256);
    }

    /**
     * @param snapshot         one row per id with the latest-table columns (from {@link CleansedSnapshot})
     * @param currentHistory   the history's current rows, or null when there is no history yet
     * @param protectedCourses courses whose per-course list failed: their missing rows are kept, not deleted
     */
    public static SnapshotDiff compute(SparkSession spark, CanvasEntity entity, Dataset<Row> snapshot,
                                       Dataset<Row> currentHistory, Instant snapshotAt, Set<Long> protectedCourses) {
        String key = entity.key();
        Timestamp at = Timestamp.from(snapshotAt);
        Dataset<Row> history = currentHistory != null ? currentHistory
                : spark.createDataFrame(List.of(), entity.historySchema());
        Dataset<Row> s = prefixed(snapshot.select(columns(entity.latestColumns())), S);
        Dataset<Row> h = prefixed(history.select(columns(entity.historyColumns())), H);

        Column isProtected = lit(false);
        if (entity.courseColumn() != null && !protectedCourses.isEmpty()) {
            isProtected = col(H + entity.courseColumn()).isin(protectedCourses.toArray());
        }
        Column change = when(col(H + key).isNull(), Change.INSERTED.label())
                .when(col(S + key).isNull(),
                        when(col(H + CanvasEntity.IS_DELETED), Change.GONE.label())
                                .when(isProtected, Change.KEPT.label())
                                .otherwise(Change.DELETED.label()))
                .when(col(H + CanvasEntity.IS_DELETED), Change.UPDATED.label())
                .when(col(S + CanvasEntity.ROW_HASH).equalTo(col(H + CanvasEntity.ROW_HASH)), Change.UNCHANGED.label())
                .otherwise(Change.UPDATED.label());
        Dataset<Row> classified = s.join(h, col(S + key).equalTo(col(H + key)), "full_outer")
                .withColumn(CHANGE, change)
                .persist(StorageLevel.MEMORY_AND_DISK());

        Map<Change, Long> counts = new EnumMap<>(Change.class);
        for (Change c : Change.values()) {
            counts.put(c, 0L);
        }
        for (Row r : classified.groupBy(CHANGE).agg(functions.count(lit(1)), max(col(H + CanvasEntity.VALID_FROM)))
                .collectAsList()) {
            Change c = Change.valueOf(r.getString(0).toUpperCase(Locale.ROOT));
            counts.put(c, r.getLong(1));
            Timestamp newest = r.isNullAt(2) ? null : r.getTimestamp(2);
            boolean closes = c == Change.UPDATED || c == Change.DELETED;
            if (newest != null && (newest.after(at) || (closes && !newest.before(at)))) {
                classified.unpersist();
                throw new IllegalStateException(entity.historyTable() + " already holds versions from " + newest.toInstant()
                        + ", not before this snapshot's time " + snapshotAt + ": snapshots must be applied in the order "
                        + "they were taken. To rebuild from an older raw snapshot, remove " + entity.historyTable()
                        + " and " + entity.table() + " first and replay the snapshots in order with --from-raw.");
            }
        }
        return new SnapshotDiff(classified, historyChanges(entity, classified, at), counts);
    }

    private static Dataset<Row> historyChanges(CanvasEntity entity, Dataset<Row> classified, Timestamp at) {
        Column noEnd = lit(null).cast(DataTypes.TimestampType);
        List<Column> closed = new ArrayList<>();
        for (String c : entity.historyColumns()) {
            switch (c) {
                case CanvasEntity.VALID_TO -> closed.add(lit(at).as(c));
                case CanvasEntity.IS_CURRENT -> closed.add(lit(false).as(c));
                default -> closed.add(col(H + c).as(c));
            }
        }
        List<Column> started = new ArrayList<>();
        for (String c : entity.latestColumns()) {
            started.add(col(S + c).as(c));
        }
        started.add(lit(at).as(CanvasEntity.VALID_FROM));
        started.add(noEnd.as(CanvasEntity.VALID_TO));
        started.add(lit(true).as(CanvasEntity.IS_CURRENT));
        List<Column> deleted = new ArrayList<>();
        for (String c : entity.dataColumns()) {
            deleted.add(col(H + c).as(c));
        }
        deleted.add(lit(true).as(CanvasEntity.IS_DELETED));
        deleted.add(lit(at).as(CanvasEntity.SNAPSHOT_AT));
        deleted.add(col(H + CanvasEntity.ROW_HASH).as(CanvasEntity.ROW_HASH));
        deleted.add(lit(at).as(CanvasEntity.VALID_FROM));
        deleted.add(noEnd.as(CanvasEntity.VALID_TO));
        deleted.add(lit(true).as(CanvasEntity.IS_CURRENT));

        Column change = col(CHANGE);
        Dataset<Row> closures = classified.where(change.isin(Change.UPDATED.label(), Change.DELETED.label()))
                .select(closed.toArray(Column[]::new));
        Dataset<Row> versions = classified.where(change.isin(Change.INSERTED.label(), Change.UPDATED.label()))
                .select(started.toArray(Column[]::new));
        Dataset<Row> tombstones = classified.where(change.equalTo(Change.DELETED.label()))
                .select(deleted.toArray(Column[]::new));
        return closures.unionByName(versions).unionByName(tombstones);
    }

    /**
     * The rows the latest table needs so that it equals the history's current versions: those it lacks or holds in
     * another state. Empty when the latest table is already up to date (then nothing is written).
     */
    public static Dataset<Row> latestChanges(CanvasEntity entity, Dataset<Row> history, Dataset<Row> latest) {
        Dataset<Row> desired = history.where(col(CanvasEntity.IS_CURRENT)).select(columns(entity.latestColumns()));
        if (latest == null) {
            return desired;
        }
        String key = entity.key();
        List<String> compared = List.of(key, CanvasEntity.ROW_HASH, CanvasEntity.IS_DELETED, CanvasEntity.SNAPSHOT_AT);
        Dataset<Row> have = prefixed(latest.select(columns(compared)), "l__");
        Column same = lit(true);
        for (String c : compared.subList(1, compared.size())) {
            same = same.and(col(c).eqNullSafe(col("l__" + c)));
        }
        return desired.join(have, col(key).equalTo(col("l__" + key)), "left_outer")
                .where(col("l__" + key).isNull().or(same.unary_$bang()))
                .select(columns(entity.latestColumns()));
    }

    /** History rows to MERGE on (id, valid_from): closed versions update, new versions insert. */
    public Dataset<Row> historyChanges() {
        return historyChanges;
    }

    public long count(Change change) {
        return counts.get(change);
    }

    /** True when the snapshot changes nothing. */
    public boolean isEmpty() {
        return count(Change.INSERTED) + count(Change.UPDATED) + count(Change.DELETED) == 0;
    }

    @Override
    public void close() {
        classified.unpersist();
    }

    private static Column[] columns(List<String> names) {
        return names.stream().map(c -> col(c)).toArray(Column[]::new);
    }

    private static Dataset<Row> prefixed(Dataset<Row> rows, String prefix) {
        return rows.select(Arrays.stream(rows.columns()).map(c -> col(c).as(prefix + c))
                .toArray(Column[]::new));
    }
}
