package org.canvaslake.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunLog;
import org.canvaslake.common.testing.RootRefusingFileSystem;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkTest.class)
class PipelineSnapshotReaderTest {

    private static final StructType RUNS = new StructType().add("job", DataTypes.StringType)
            .add("run_id", DataTypes.StringType).add("status", DataTypes.StringType)
            .add("started_at", DataTypes.TimestampType).add("duration_ms", DataTypes.LongType)
            .add("report", DataTypes.StringType);

    /**
     * A day of a real schedule: a canvas run in the morning that failed, then hourly events runs, more than the recent
     * runs the page lists. The latest run of each job still shows the failed canvas run.
     */
    @Test
    void theLatestRunOfEachJobIsFoundBeyondTheRecentRuns(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        Instant morning = Instant.parse("2026-12-07T05:00:00Z");
        List<Row> runs = new ArrayList<>();
        runs.add(RowFactory.create("canvas", "c-1", "failed", Timestamp.from(morning), 1000L,
                "{\"failures\": [{\"unit\": \"canvas.users\", \"message\": \"HTTP 401\"}]}"));
        for (int h = 1; h <= PipelineSnapshotReader.RECENT_RUNS + 5; h++) {
            runs.add(RowFactory.create("events", "e-" + h, "succeeded", Timestamp.from(morning.plus(Duration.ofMinutes(
                    20 * h))), 500L, "{}"));
        }
        spark.createDataFrame(runs, RUNS).write().format("delta").save(lake.table(RunLog.TABLE));

        assertThat(PipelineSnapshotReader.recentRuns(spark, lake)).hasSize(PipelineSnapshotReader.RECENT_RUNS)
                .allSatisfy(r -> assertThat(r.job()).isEqualTo("events"));
        List<PipelineSnapshot.Run> latest = PipelineSnapshotReader.latestRuns(spark, lake);
        assertThat(latest).extracting(PipelineSnapshot.Run::job, PipelineSnapshot.Run::runId,
                PipelineSnapshot.Run::status).containsExactly(
                        tuple("events", "e-" + (PipelineSnapshotReader.RECENT_RUNS + 5),
                                "succeeded"),
                        tuple("canvas", "c-1", "failed"));
        assertThat(latest.get(1).failures()).containsExactly("canvas.users: HTTP 401");
    }

    /**
     * The canvas DAG runs one entity per task, all as the job "canvas": the users' failed run stays the latest run
     * of its part when the courses' run succeeds after it.
     */
    @Test
    void aJobRunInPartsHasALatestRunPerPart(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        Instant morning = Instant.parse("2026-12-07T05:00:00Z");
        List<Row> runs = List.of(
                RowFactory.create("canvas", "c-users", "failed", Timestamp.from(morning), 1000L,
                        "{\"scope\": \"users\", \"failures\": [{\"unit\": \"canvas.users\","
                                + " \"message\": \"HTTP 401\"}]}"),
                RowFactory.create("canvas", "c-courses", "succeeded", Timestamp.from(morning.plusSeconds(600)), 900L,
                        "{\"scope\": \"courses\"}"),
                RowFactory.create("canvas", "c-all-old", "succeeded", Timestamp.from(morning.minusSeconds(86_400)),
                        800L, "{}"),
                RowFactory.create("canvas", "c-courses-old", "succeeded", Timestamp.from(morning.minusSeconds(600)),
                        900L, "{\"scope\": \"courses\"}"));
        spark.createDataFrame(runs, RUNS).write().format("delta").save(lake.table(RunLog.TABLE));

        assertThat(PipelineSnapshotReader.latestRuns(spark, lake)).extracting(PipelineSnapshot.Run::job,
                PipelineSnapshot.Run::runId, PipelineSnapshot.Run::status).containsExactly(
                        tuple("canvas (courses)", "c-courses", "succeeded"),
                        tuple("canvas (users)", "c-users", "failed"),
                        tuple("canvas", "c-all-old", "succeeded"));
    }

    /**
     * On AWS the report's role may list the pipeline's database folders, not the lake bucket's root (the
     * CloudFormation policy): every table's row count is found database by database.
     */
    @Test
    void theTablesAreCountedWithoutListingTheLakesRoot(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        spark.range(3).toDF("n").write().format("delta").save(lake.table("canvas.users"));
        spark.range(2).toDF("n").write().format("delta").save(lake.table("cd2.accounts"));
        try (RootRefusingFileSystem.Mount scoped = RootRefusingFileSystem.mount(
                spark.sparkContext().hadoopConfiguration(), lake.root())) {
            PipelineSnapshot snapshot = PipelineSnapshotReader.read(spark, lake);

            assertThat(snapshot.tables())
                    .extracting(PipelineSnapshot.TableRows::table, PipelineSnapshot.TableRows::rows).containsExactly(tuple("canvas.users", 3L), tuple("cd2.accounts", 2L));
            assertThat(RootRefusingFileSystem.refusals).as("listings of the root").isZero();
        }
    }
}
