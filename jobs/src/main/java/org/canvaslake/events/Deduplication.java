package org.canvaslake.events;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Keeps one row per event id among the events of a run: the first received (then the first by object, line and
 * position, so the choice never depends on how the run was split). The same order decides when a later run meets an
 * event the lake already has ({@link #EARLIER_ARRIVAL}), so an incremental history and a {@code --full} rebuild keep
 * the same copy.
 *
 * <p>Cheap because duplicates are few: first a count per 64-bit hash of the id (fixed-width keys, no sort) finds the
 * ids that may occur more than once; only rows with one of those hashes go through the window (over the narrow key
 * columns, so a hash collision costs a few rows there, never a wrong result); the losing row ids are collected and
 * the wide rows are filtered with a broadcast anti-join, never shuffled.
 */
public final class Deduplication {

    /**
     * The events with duplicates removed, how many were dropped per event name, and the row ids of the dropped
     * copies (null when none was), to drop them from another view of the same rows ({@link #withoutDropped}).
     */
    public record Result(Dataset<Row> events, long dropped, Map<String, Long> droppedPerName, Dataset<Row> droppedIds) {

        /** {@code rows} (a view of the same parsed rows, e.g. the events of one table) without the dropped copies. */
        public Dataset<Row> withoutDropped(Dataset<Row> rows) {
            return droppedIds == null ? rows : withoutIds(rows, droppedIds);
        }
    }

    private static final String NEVER = "TIMESTAMP '9999-12-31 00:00:00'";

    /** MERGE condition for replacing a stored copy: the new copy arrived earlier (same order as within a run). */
    public static final String EARLIER_ARRIVAL = "coalesce(s.received_at, " + NEVER + ") < coalesce(t.received_at, "
            + NEVER + ") OR (coalesce(s.received_at, " + NEVER + ") = coalesce(t.received_at, " + NEVER + ") AND "
            + "(s.source_object < t.source_object OR (s.source_object = t.source_object AND "
            + "(s.source_line < t.source_line OR (s.source_line = t.source_line AND s.source_index < t.source_index)))))";

    private Deduplication() {
    }

    /** {@code events}: rows with event_id, event_name, received_at, source_object, source_line, source_index, row_id. */
    public static Result apply(Dataset<Row> events) {
        Dataset<Row> repeated = events.groupBy(xxhash64(col("event_id")).as("__hash")).count()
                .where(col("count").gt(1)).select("__hash");
        Dataset<Row> candidates = events.join(broadcast(repeated),
                xxhash64(events.col("event_id")).equalTo(repeated.col("__hash")), "left_semi");
        Dataset<Row> losers = candidates.select("row_id", "event_id", "event_name", "received_at", "source_object",
                        "source_line", "source_index")
                .withColumn("__rank", row_number().over(Window.partitionBy("event_id").orderBy(
                        col("received_at").asc_nulls_last(), col("source_object"), col("source_line"),
                        col("source_index"))))
                .where(col("__rank").gt(1))
                .select("row_id", "event_name");
        List<Row> dropped = losers.collectAsList();
        if (dropped.isEmpty()) {
            return new Result(events, 0, Map.of(), null);
        }
        Map<String, Long> perName = new TreeMap<>();
        dropped.forEach(r -> perName.merge(r.getString(1), 1L, Long::sum));
        Dataset<Row> ids = events.sparkSession().createDataset(dropped.stream().map(r -> r.getLong(0)).toList(),
                Encoders.LONG()).toDF("row_id");
        return new Result(withoutIds(events, ids), dropped.size(), perName, ids);
    }

    private static Dataset<Row> withoutIds(Dataset<Row> rows, Dataset<Row> ids) {
        return rows.join(broadcast(ids), rows.col("row_id").equalTo(ids.col("row_id")), "left_anti");
    }
}
