package org.canvaslake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.CommonOptions;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.dap.DapCommand;
import org.canvaslake.dap.DapSyncJob;
import org.canvaslake.events.EventsJob;
import org.canvaslake.product.ProductJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each job that writes tables keeps to one run per lake: a run started while another holds the job's lease (SparkJob)
 * is refused before it reads or writes anything. What the jobs do with the lease once they hold it (a check before
 * each commit) is proven for S3, where a lease can be lost, in the tests module (S3LakeTest).
 */
@ExtendWith(SparkTest.class)
class OneRunAtATimeTest {

    @Test
    void theJobsThatWriteTablesTakeALeaseAndTheOthersDoNot() {
        List<String> leased = Commands.all().entrySet().stream()
                .filter(c -> c.getValue().spec().options().containsKey(CommonOptions.LEASE_MINUTES))
                .map(Map.Entry::getKey).toList();
        assertThat(leased).containsExactly("events", "canvas", "dap", "product");
    }

    @Test
    void aRunOfEachWhileAnotherHoldsItsLeaseIsRefusedAndWritesNoTable(SparkSession spark, @TempDir Path dir)
            throws IOException {
        for (Job job : List.of(
                new Job(new EventsJob(), new EventsJob().spec()),
                new Job(new CanvasJob(), new CanvasJob().spec(), "--canvas-url", "http://127.0.0.1:9",
                        "--canvas-token", "never-used"),
                new Job(new DapSyncJob(), new DapCommand().spec(), "sync", "--tables", "users", "--base-url",
                        "http://127.0.0.1:9"),
                new Job(new ProductJob(), new ProductJob().spec()))) {
            String name = job.spec().name();
            Path lake = dir.resolve(name);
            try (LakeLease other = LakeLease.acquire(spark.sparkContext().hadoopConfiguration(),
                    Lake.at(lake.toString()), name, "scheduled-run", name, Duration.ofMinutes(10))) {
                RunReport refused = job.run(spark, lake);
                assertThat(refused.failures()).as(name).singleElement().satisfies(f -> {
                    assertThat(f.unit()).isEqualTo(name + SparkJob.LEASE_HELD);
                    assertThat(f.message()).contains("run scheduled-run", "read and wrote nothing");
                });
            }
            try (Stream<Path> top = Files.list(lake)) {
                assertThat(top.map(p -> p.getFileName().toString())).as(name + ": only its run report and the lease")
                        .containsExactly("_meta");
            }
            try (Stream<Path> meta = Files.list(lake.resolve("_meta"))) {
                assertThat(meta.map(p -> p.getFileName().toString())).as(name)
                        .containsExactlyInAnyOrder("runs", "_leases");
            }
        }
    }

    /** A job and the command line it is parsed with ({@code dap}'s is the command's, sync being its default). */
    private record Job(SparkJob job, CommandSpec spec, String... args) {
        RunReport run(SparkSession spark, Path lake) {
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--lake", lake.toString()));
            Options options = Options.parse(spec, all);
            return job.runWith(spark, options, job.runReport(options));
        }
    }
}
