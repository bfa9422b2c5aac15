package org.canvaslake.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Canvas job against a fake Canvas that answers a quarter of its requests with 500/503 and throttles with 429 on
 * a small quota (faults from outside, issue 9): the run completes, counts its retries and throttles, and its tables
 * equal, row for row, those of a run against a well-behaved server.
 */
@ExtendWith(SparkTest.class)
class CanvasOutsideFaultsTest {

    private static final Institution INSTITUTION = Institution.generate(5, Institution.Size.TEST);
    /** Columns that carry the time of the run, so differ between any two runs by design. */
    private static final List<String> RUN_TIME = List.of(CanvasEntity.SNAPSHOT_AT, CanvasEntity.VALID_FROM,
            CanvasEntity.VALID_TO);

    @Test
    void serverErrorsAndThrottlingAreRiddenOutAndTheTablesEqualACleanRun(SparkSession spark, @TempDir Path clean,
                                                                          @TempDir Path rough) {
        try (FakeCanvasServer good = FakeCanvasServer.start(INSTITUTION);
             FakeCanvasServer bad = FakeCanvasServer.start(INSTITUTION, FakeCanvasServer.Settings.defaults()
                     .withErrors(0.25, 7).withThrottleStatus(429).withBucket(30, 6, 3))) {
            RunReport expected = run(spark, clean, good);
            RunReport faulty = run(spark, rough, bad);

            assertThat(expected.failures()).isEmpty();
            assertThat(faulty.failures()).as("every fault was retried").isEmpty();
            assertThat(bad.counters().serverErrors()).isPositive();
            // the client slows down as the quota runs low (X-Rate-Limit-Remaining), so it may never be refused
            assertThat(faulty.counter("http.slowdowns") + bad.counters().throttled())
                    .as("the small quota was met by slowing down or by waiting out 429s").isPositive();
            assertThat(faulty.counter("http.retries")).as("server errors are retried and counted")
                    .isGreaterThanOrEqualTo(bad.counters().serverErrors());
            for (CanvasEntity e : CanvasEntity.values()) {
                assertThat(faulty.tableCount(e.table(), "inserted")).as(e + " inserted")
                        .isEqualTo(expected.tableCount(e.table(), "inserted")).isPositive();
                for (String table : List.of(e.table(), e.historyTable())) {
                    assertThat(rows(spark, rough, table)).as(table).isEqualTo(rows(spark, clean, table));
                }
            }
        }
    }

    private static RunReport run(SparkSession spark, Path lake, FakeCanvasServer canvas) {
        CanvasJob job = new CanvasJob();
        Options options = Options.parse(job.spec(), List.of("--lake", lake.toString(), "--canvas-url",
                canvas.baseUrl(), "--canvas-token", canvas.token(), "--per-page", "10", "--concurrency", "3",
                "--max-requests-per-second", "500", "--max-attempts", "10"));
        return job.runWith(spark, options, job.runReport(options));
    }

    /** The table's rows as sorted texts, without the columns that carry the run's time. */
    private static List<String> rows(SparkSession spark, Path lake, String table) {
        Dataset<Row> all = DeltaTables.read(spark, Lake.at(lake.toString()).table(table));
        String[] keep = Arrays.stream(all.columns()).filter(c -> !RUN_TIME.contains(c)).sorted()
                .map(c -> "`" + c + "`").toArray(String[]::new);
        List<String> out = new ArrayList<>();
        all.selectExpr(keep).collectAsList().forEach(r -> out.add(r.toString()));
        out.sort(null);
        return out;
    }
}
