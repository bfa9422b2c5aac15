package org.canvaslake.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every job that writes takes the lake's lease named after it before it runs (SparkJob), and gives it back after. */
@ExtendWith(SparkTest.class)
class SparkJobLeaseTest {

    /** A job that notes the lease it ran under and writes nothing but its run report. */
    private static final class Probe extends SparkJob {
        private final boolean leased;
        final List<LakeLease> ranUnder = new ArrayList<>();

        Probe(boolean leased) {
            this.leased = leased;
        }

        @Override
        protected String name() {
            return "probe";
        }

        @Override
        protected String summary() {
            return "a job for this test";
        }

        @Override
        protected List<OptionSpec> jobOptions() {
            return List.of();
        }

        @Override
        protected boolean oneRunAtATime() {
            return leased;
        }

        @Override
        protected void execute(JobContext context) {
            ranUnder.add(context.lease());
            context.lease().ensureHeld();
        }

        RunReport run(SparkSession spark, Path lake, String... more) {
            return run(spark, lake.toString(), more);
        }

        RunReport run(SparkSession spark, String lake, String... more) {
            List<String> args = new ArrayList<>(List.of("--lake", lake));
            args.addAll(List.of(more));
            Options options = Options.parse(spec(), args);
            return runWith(spark, options, runReport(options));
        }
    }

    @Test
    void aRunWhoseLeaseAnotherRunHoldsIsRefusedWithoutRunningAndTheNextRunTakesIt(SparkSession spark,
                                                                                  @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        Probe job = new Probe(true);
        try (LakeLease other = LakeLease.acquire(spark.sparkContext().hadoopConfiguration(), lake, "probe",
                "the-other-run", "probe", Duration.ofMinutes(10))) {
            assertThat(other.held()).isTrue();
            RunReport refused = job.run(spark, dir);
            assertThat(job.ranUnder).as("the job itself did not run").isEmpty();
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.failures()).singleElement().satisfies(f -> {
                assertThat(f.unit()).isEqualTo("probe" + SparkJob.LEASE_HELD);
                assertThat(f.message()).contains("run the-other-run", "read and wrote nothing");
            });
        }

        RunReport ran = job.run(spark, dir);
        assertThat(ran.failures()).isEmpty();
        assertThat(job.ranUnder).singleElement().satisfies(l -> {
            assertThat(l.held()).isTrue();
            assertThat(l.describe()).contains(LakeLease.FOLDER + "/probe");
        });
        // given back when the run ended: the next one takes it
        assertThat(job.run(spark, dir).failures()).isEmpty();
        assertThat(job.ranUnder).hasSize(2);
    }

    @Test
    void aJobThatTakesNoLeaseOrARunWithItTurnedOffRunsBesideTheHolder(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        Probe unleased = new Probe(false);
        Probe turnedOff = new Probe(true);
        assertThat(unleased.spec().options()).doesNotContainKey(CommonOptions.LEASE_MINUTES);
        assertThat(turnedOff.spec().options()).containsKey(CommonOptions.LEASE_MINUTES);
        try (LakeLease other = LakeLease.acquire(spark.sparkContext().hadoopConfiguration(), lake, "probe",
                "the-other-run", "probe", Duration.ofMinutes(10))) {
            assertThat(unleased.run(spark, dir).failures()).isEmpty();
            assertThat(unleased.ranUnder).singleElement().satisfies(l -> assertThat(l.held()).isFalse());
            RunReport off = turnedOff.run(spark, dir, "--lease-minutes", "0");
            assertThat(off.failures()).isEmpty();
            assertThat(off.notes()).as("turned off on purpose: no note").noneMatch(n -> n.contains("No lease"));
            assertThat(turnedOff.ranUnder).singleElement().satisfies(l -> assertThat(l.held()).isFalse());
        }
    }

    /** A lake whose storage gives no lease (here gs://, no lease and no file system either): the run says so. */
    @Test
    void aRunOnALakeWithoutALeaseRunsAndSaysNothingKeptItApart(SparkSession spark) {
        Probe job = new Probe(true);
        RunReport report = job.run(spark, "gs://some-bucket/lake");
        assertThat(job.ranUnder).singleElement().satisfies(l -> assertThat(l.held()).isFalse());
        assertThat(report.failures()).isEmpty();
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains(
                "No lease kept this run apart from other probe runs on the lake (gs://some-bucket/lake/"
                        + LakeLease.FOLDER + "/probe", "nothing stops a run started by hand"));
    }

    @Test
    void theLeaseLastsTheMinutesGivenAndZeroTakesNone() {
        assertThat(CommonOptions.leaseDuration("10")).isEqualTo(Duration.ofMinutes(10));
        assertThat(CommonOptions.leaseDuration(" 0.5 ")).isEqualTo(Duration.ofSeconds(30));
        assertThat(CommonOptions.leaseDuration("0")).isZero();
        for (String wrong : List.of("-1", "0.001", "1441", "ten")) {
            assertThatThrownBy(() -> CommonOptions.leaseDuration(wrong)).as(wrong).isInstanceOf(UsageException.class)
                    .hasMessageContaining("--lease-minutes").hasMessageContaining("'" + wrong + "'");
        }
    }
}
