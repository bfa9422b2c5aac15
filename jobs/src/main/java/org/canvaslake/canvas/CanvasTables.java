package org.canvaslake.canvas;

import static org.apache.spark.sql.functions.col;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;

/**
 * The sink half of the job: a cleansed snapshot into {@code canvas.<entity>_history} (every version with its
 * validity range) and {@code canvas.<entity>} (the current version of every id ever seen, deleted ones flagged).
 *
 * <p>The history is written first and the latest table is then brought level with the history's current rows, so a
 * run cut short between the two commits is repaired by running again. Nothing is committed when nothing changed.
 */
public final class CanvasTables {

    /** What applying one snapshot did. */
    public record Applied(long inserted, long updated, long deleted, long unchanged, long kept,
                          boolean historyWritten, boolean latestWritten) {
    }

    private CanvasTables() {
    }

    public static Applied apply(SparkSession spark, Lake lake, CanvasEntity entity, Dataset<Row> snapshot,
                                Instant snapshotAt, Set<Long> protectedCourses) {
        String historyPath = lake.table(entity.historyTable());
        String latestPath = lake.table(entity.table());
        boolean firstSnapshot = !DeltaTables.exists(spark, historyPath);
        Dataset<Row> current = firstSnapshot ? null
                : DeltaTables.read(spark, historyPath).where(col(CanvasEntity.IS_CURRENT));

        boolean historyWritten = false;
        Applied counts;
        try (SnapshotDiff diff = SnapshotDiff.compute(spark, entity, snapshot, current, snapshotAt, protectedCourses)) {
            if (firstSnapshot) {
                // only new versions: a plain write creates the table (even when the snapshot is empty), no MERGE needed
                DeltaTables.append(diff.historyChanges(), historyPath, List.of());
                historyWritten = true;
            } else if (!diff.isEmpty()) {
                DeltaTables.merge(spark, diff.historyChanges(), historyPath,
                        MergeSpec.on(entity.key(), CanvasEntity.VALID_FROM));
                historyWritten = true;
            }
            counts = new Applied(diff.count(SnapshotDiff.Change.INSERTED), diff.count(SnapshotDiff.Change.UPDATED),
                    diff.count(SnapshotDiff.Change.DELETED), diff.count(SnapshotDiff.Change.UNCHANGED),
                    diff.count(SnapshotDiff.Change.KEPT), historyWritten, false);
        }

        // the history is ahead of the latest table here; the next run brings the latest table level
        CrashPoints.check(CanvasJob.CRASH_AFTER_HISTORY + entity.folder());
        boolean latestWritten = false;
        Dataset<Row> history = DeltaTables.read(spark, historyPath);
        if (!DeltaTables.exists(spark, latestPath)) {
            DeltaTables.append(SnapshotDiff.latestChanges(entity, history, null), latestPath, List.of());
            latestWritten = true;
        } else {
            Dataset<Row> behind = SnapshotDiff.latestChanges(entity, history, DeltaTables.read(spark, latestPath))
                    .cache();
            try {
                if (!behind.isEmpty()) {
                    DeltaTables.merge(spark, behind, latestPath, MergeSpec.on(entity.key()));
                    latestWritten = true;
                }
            } finally {
                behind.unpersist();
            }
        }
        LakeCatalog.register(spark, lake, entity.table());
        LakeCatalog.register(spark, lake, entity.historyTable());
        return new Applied(counts.inserted(), counts.updated(), counts.deleted(), counts.unchanged(), counts.kept(),
                historyWritten, latestWritten);
    }
}
