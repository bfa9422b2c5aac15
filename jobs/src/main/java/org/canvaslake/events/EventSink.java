package org.canvaslake.events;

import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeResult;
import org.canvaslake.common.delta.MergeSpec;

/**
 * Writes one table of the run in one commit: a table that does not exist yet is created by writing the rows (there
 * is nothing to merge with), {@code --full} replaces the table, and otherwise the rows are MERGEd by key. Rows of
 * a small run are gathered into few tasks first, so each writes one file per date instead of one per task; rows
 * known to be new are appended as MERGE would insert them.
 */
public final class EventSink {

    /** What a write did. */
    public record Outcome(long inserted, long updated, boolean created, List<String> addedColumns) {
    }

    /**
     * {@code INCREMENTAL}: create the table, or MERGE into it; {@code REBUILD}: replace it ({@code --full});
     * {@code APPEND_NEW}: append to the existing table without asking it first, for rows the caller knows it does not
     * hold (see {@code EventsJob}: the run's ids were checked once against the live stream).
     */
    public enum Mode { INCREMENTAL, REBUILD, APPEND_NEW }

    private EventSink() {
    }

    /**
     * @param rows      the table's rows, unique by the spec's keys
     * @param rowCount  how many rows that is (known from the parse summary; avoids counting again); with
     *                  {@code APPEND_NEW}, 0 writes nothing
     * @param fileGroups how many tasks write the files of a new or rebuilt table
     * @param tableProperties Delta properties of a table this write creates
     */
    public static Outcome write(SparkSession spark, Dataset<Row> rows, long rowCount, String path, MergeSpec spec,
                                Mode mode, int fileGroups, Map<String, String> tableProperties) {
        if (mode == Mode.REBUILD) {
            DeltaTables.overwrite(rows.coalesce(fileGroups), path, spec.partitionBy(), tableProperties);
            return new Outcome(rowCount, 0, true, List.of());
        }
        if (mode == Mode.APPEND_NEW) {
            if (rowCount == 0) {
                return new Outcome(0, 0, false, List.of());  // all there already: no commit
            }
            DeltaTables.appendNew(rows, path, spec);
            return new Outcome(rowCount, 0, false, List.of());
        }
        if (!DeltaTables.exists(spark, path)) {
            DeltaTables.append(rows.coalesce(fileGroups), path, spec.partitionBy(), tableProperties);
            return new Outcome(rowCount, 0, true, List.of());
        }
        MergeResult r = DeltaTables.merge(spark, rows, path, spec);
        return new Outcome(r.inserted(), r.updated(), false, r.addedColumns());
    }

    /**
     * Table properties that keep Delta's per-file statistics off the named wide text columns (the raw text of a
     * quarantined record): nobody filters on them, and min/max over kilobyte strings cost every row.
     */
    public static Map<String, String> statisticsExcept(String[] columns, String... skipped) {
        List<String> skip = List.of(skipped);
        String kept = java.util.Arrays.stream(columns).filter(c -> !skip.contains(c) && !c.equals("dt"))
                .collect(java.util.stream.Collectors.joining(","));
        return Map.of("delta.dataSkippingStatsColumns", kept);
    }

    /** How many tasks should write {@code bytes}: one per target file size, at least 1, at most {@code max}. */
    public static int fileGroups(long bytes, long targetFileBytes, int max) {
        long groups = (bytes + targetFileBytes - 1) / targetFileBytes;
        return (int) Math.max(1, Math.min(max, groups));
    }
}
