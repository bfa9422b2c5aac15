package org.canvaslake.canvas;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.canvas.SnapshotDiff.Change;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The history logic alone, on small in-memory snapshots (no Delta, no Canvas). */
@ExtendWith(SparkTest.class)
class SnapshotDiffTest {

    private static final Instant T1 = Instant.parse("2026-09-01T02:00:00Z");
    private static final Instant T2 = Instant.parse("2026-09-08T02:00:00Z");
    private static final Instant T3 = Instant.parse("2026-09-15T02:00:00Z");
    private static final CanvasEntity C = CanvasEntity.COURSES;

    /** A version as the test reads it back: id, name, deleted, from, to, current. */
    record Version(long id, String name, boolean deleted, Instant from, Instant to, boolean current) {
    }

    @Test
    void theFirstSnapshotStartsOneVersionPerId(SparkSession spark) {
        Dataset<Row> snapshot = snapshot(spark, T1, course(1, "Biology 101"), course(2, "History 210"));

        try (SnapshotDiff diff = SnapshotDiff.compute(spark, C, snapshot, null, T1, Set.of())) {
            assertThat(diff.count(Change.INSERTED)).isEqualTo(2);
            assertThat(versions(diff.historyChanges())).containsExactly(
                    new Version(1, "Biology 101", false, T1, null, true),
                    new Version(2, "History 210", false, T1, null, true));
        }
    }

    @Test
    void aChangedRowGetsANewVersionAndAMissingOneIsClosedAsDeleted(SparkSession spark) {
        Dataset<Row> history = history(spark, T1, course(1, "Biology 101"), course(2, "History 210"));
        Dataset<Row> second = snapshot(spark, T2, course(1, "Biology 101 (renamed)"), course(3, "Physics 150"));

        try (SnapshotDiff diff = SnapshotDiff.compute(spark, C, second, current(history), T2, Set.of())) {
            assertThat(diff.count(Change.INSERTED)).isEqualTo(1);
            assertThat(diff.count(Change.UPDATED)).isEqualTo(1);
            assertThat(diff.count(Change.DELETED)).isEqualTo(1);
            assertThat(diff.count(Change.UNCHANGED)).isZero();
            assertThat(versions(applied(history, diff.historyChanges()))).containsExactly(
                    new Version(1, "Biology 101", false, T1, T2, false),
                    new Version(1, "Biology 101 (renamed)", false, T2, null, true),
                    new Version(2, "History 210", false, T1, T2, false),
                    new Version(2, "History 210", true, T2, null, true),
                    new Version(3, "Physics 150", false, T2, null, true));
        }
    }

    @Test
    void anIdenticalSnapshotWritesNothing(SparkSession spark) {
        Dataset<Row> history = history(spark, T1, course(1, "Biology 101"), course(2, "History 210"));
        Dataset<Row> again = snapshot(spark, T2, course(2, "History 210"), course(1, "Biology 101"));

        try (SnapshotDiff diff = SnapshotDiff.compute(spark, C, again, current(history), T2, Set.of())) {
            assertThat(diff.isEmpty()).isTrue();
            assertThat(diff.count(Change.UNCHANGED)).isEqualTo(2);
            assertThat(diff.historyChanges().count()).isZero();
        }
    }

    @Test
    void aDeletedRowThatComesBackStartsANewVersionAndStaysDeletedWhileMissing(SparkSession spark) {
        Dataset<Row> history = history(spark, T1, course(1, "Biology 101"), course(2, "History 210"));
        try (SnapshotDiff deleted = SnapshotDiff.compute(spark, C, snapshot(spark, T2, course(1, "Biology 101")),
                current(history), T2, Set.of())) {
            history = materialized(applied(history, deleted.historyChanges()));
        }
        try (SnapshotDiff stillGone = SnapshotDiff.compute(spark, C, snapshot(spark, T3, course(1, "Biology 101")),
                current(history), T3, Set.of())) {
            assertThat(stillGone.isEmpty()).isTrue();
            assertThat(stillGone.count(Change.GONE)).isEqualTo(1);
        }
        try (SnapshotDiff back = SnapshotDiff.compute(spark, C, snapshot(spark, T3, course(1, "Biology 101"),
                course(2, "History 210")), current(history), T3, Set.of())) {
            assertThat(back.count(Change.UPDATED)).isEqualTo(1);
            assertThat(versions(applied(history, back.historyChanges())).stream().filter(v -> v.id() == 2))
                    .containsExactly(
                            new Version(2, "History 210", false, T1, T2, false),
                            new Version(2, "History 210", true, T2, T3, false),
                            new Version(2, "History 210", false, T3, null, true));
        }
    }

    @Test
    void missingRowsOfACourseThatFailedAreKept(SparkSession spark) {
        CanvasEntity a = CanvasEntity.ASSIGNMENTS;
        Dataset<Row> first = CleansedSnapshot.asSnapshot(a, spark.createDataFrame(List.of(
                assignment(10, 500, "Essay 1"), assignment(11, 600, "Quiz 1"), assignment(12, 600, "Quiz 2")),
                a.dataSchema()), T1);
        Dataset<Row> history;
        try (SnapshotDiff diff = SnapshotDiff.compute(spark, a, first, null, T1, Set.of())) {
            history = materialized(diff.historyChanges());
        }
        // course 500's list failed in this run: its assignment is missing but must not be judged deleted
        Dataset<Row> second = CleansedSnapshot.asSnapshot(a, spark.createDataFrame(List.of(
                assignment(11, 600, "Quiz 1")), a.dataSchema()), T2);

        try (SnapshotDiff diff = SnapshotDiff.compute(spark, a, second, current(history), T2, Set.of(500L))) {
            assertThat(diff.count(Change.KEPT)).isEqualTo(1);
            assertThat(diff.count(Change.DELETED)).isEqualTo(1);
            assertThat(diff.count(Change.UNCHANGED)).isEqualTo(1);
            assertThat(diff.historyChanges().where(col("assignment_id").equalTo(10)).count()).isZero();
        }
    }

    @Test
    void refusesASnapshotOlderThanTheHistory(SparkSession spark) {
        Dataset<Row> history = history(spark, T2, course(1, "Biology 101"));

        assertThatThrownBy(() -> SnapshotDiff.compute(spark, C, snapshot(spark, T1, course(1, "Old name")),
                current(history), T1, Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in the order they were taken")
                .hasMessageContaining("canvas.courses_history");
    }

    @Test
    void theLatestTableNeedsOnlyTheRowsItDoesNotHoldYet(SparkSession spark) {
        Dataset<Row> history = history(spark, T1, course(1, "Biology 101"), course(2, "History 210"));
        Dataset<Row> latest = history.where(col(CanvasEntity.IS_CURRENT)).drop(CanvasEntity.VALID_FROM,
                CanvasEntity.VALID_TO, CanvasEntity.IS_CURRENT);

        assertThat(SnapshotDiff.latestChanges(C, history, latest).count()).isZero();
        assertThat(SnapshotDiff.latestChanges(C, history, latest.where(col("course_id").equalTo(1)))
                .select("course_id").collectAsList()).extracting(r -> r.getLong(0)).containsExactly(2L);
        assertThat(SnapshotDiff.latestChanges(C, history, null).count()).isEqualTo(2);
    }

    private static Dataset<Row> snapshot(SparkSession spark, Instant at, Row... courses) {
        return CleansedSnapshot.asSnapshot(C, spark.createDataFrame(List.of(courses), C.dataSchema()), at);
    }

    /** A history holding one first snapshot. */
    private static Dataset<Row> history(SparkSession spark, Instant at, Row... courses) {
        try (SnapshotDiff diff = SnapshotDiff.compute(spark, C, snapshot(spark, at, courses), null, at, Set.of())) {
            return materialized(diff.historyChanges());
        }
    }

    /** Rows computed once and held as a local table, so later diffs do not recompute their lineage. */
    private static Dataset<Row> materialized(Dataset<Row> rows) {
        return rows.sparkSession().createDataFrame(rows.collectAsList(), rows.schema());
    }

    private static Dataset<Row> current(Dataset<Row> history) {
        return history.where(col(CanvasEntity.IS_CURRENT));
    }

    /** What MERGE on (id, valid_from) does: matching versions replaced, new ones added. */
    private static Dataset<Row> applied(Dataset<Row> history, Dataset<Row> changes) {
        String key = history.columns()[0];
        Dataset<Row> keys = changes.select(col(key).as("k_id"), col(CanvasEntity.VALID_FROM).as("k_from"));
        Dataset<Row> untouched = history.join(keys, col(key).equalTo(col("k_id"))
                .and(col(CanvasEntity.VALID_FROM).equalTo(col("k_from"))), "left_anti");
        return untouched.unionByName(changes);
    }

    private static List<Version> versions(Dataset<Row> history) {
        List<Version> out = new ArrayList<>();
        String key = history.columns()[0];
        String name = history.columns()[2];
        for (Row r : history.orderBy(col(key), col(CanvasEntity.VALID_FROM)).collectAsList()) {
            Timestamp to = r.getAs(CanvasEntity.VALID_TO);
            out.add(new Version(r.<Long>getAs(key), r.getAs(name), r.<Boolean>getAs(CanvasEntity.IS_DELETED),
                    r.<Timestamp>getAs(CanvasEntity.VALID_FROM).toInstant(), to == null ? null : to.toInstant(),
                    r.<Boolean>getAs(CanvasEntity.IS_CURRENT)));
        }
        return out;
    }

    private static Row course(long id, String name) {
        Object[] v = new Object[C.fields().size()];
        v[0] = id;
        v[1] = String.valueOf(id);
        v[2] = name;
        v[4] = "available";
        return RowFactory.create(v);
    }

    private static Row assignment(long id, long courseId, String name) {
        Object[] v = new Object[CanvasEntity.ASSIGNMENTS.fields().size()];
        v[0] = id;
        v[1] = String.valueOf(id);
        v[2] = courseId;
        v[3] = name;
        return RowFactory.create(v);
    }
}
