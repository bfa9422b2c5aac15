package org.canvaslake.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkTest.class)
class FailuresTest {

    private static final Lake LAKE = Lake.at("s3://institution-lake/lake");

    @Test
    void aFailedSparkTaskIsReportedAsTheTasksErrorWithoutSparksSummaryOrStackTrace(SparkSession spark) {
        Throwable failed = failInATask(spark, new IOException("the GET of s3://institution-lake/lake/canvas/users/"
                + "part-0.parquet failed (503 Slow Down)"));
        // what Spark throws: its summary, then the task's stack trace
        assertThat(failed.getMessage()).contains("Job aborted due to stage failure", "\tat ");

        String message = Failures.describe(failed);
        assertThat(message).isEqualTo("IOException in a Spark task: the GET of s3://institution-lake/lake/canvas/users/"
                + "part-0.parquet failed (503 Slow Down)");
        assertThat(message + SparkJob.storageHint((Exception) failed, message, LAKE))
                .endsWith("(503 Slow Down). Check that the lake s3://institution-lake/lake exists and that this job "
                        + "may read and write there (--lake).");
    }

    @Test
    void aTaskErrorThatIsNotTheStoresGetsNoStorageHintAndTokensAreRedacted(SparkSession spark) {
        Throwable failed = failInATask(spark, new IllegalStateException("no column x in s3://institution-lake/lake/"
                + "t?access_token=secret123"));
        String message = Failures.describe(failed);
        assertThat(message).startsWith("IllegalStateException in a Spark task: no column x in")
                .doesNotContain("secret123", "\tat ");
        assertThat(SparkJob.storageHint((Exception) failed, message, LAKE)).isEmpty();
    }

    @Test
    void anErrorOnTheDriverIsItsClassAndMessage() {
        IOException io = new IOException("s3://institution-lake/lake/events/live_stream does not exist");
        String message = Failures.describe(io);
        assertThat(message).isEqualTo("IOException: s3://institution-lake/lake/events/live_stream does not exist");
        assertThat(SparkJob.storageHint(io, message, LAKE)).startsWith(". Check that the lake");
        assertThat(Failures.describe(new IllegalStateException())).isEqualTo("IllegalStateException: (no message)");
    }

    @Test
    void anErrorSparkWrappedOnTheDriverIsNotCalledATasks() {
        // as ThreadUtils.awaitResult wraps what a driver thread (a broadcast, say) threw
        SparkException wrapped = new SparkException("Exception thrown in awaitResult: ",
                new TimeoutException("Futures timed out after [300 seconds]"));
        assertThat(Failures.describe(wrapped)).isEqualTo("TimeoutException in Spark: Futures timed out after [300 "
                + "seconds]");
    }

    private static Throwable failInATask(SparkSession spark, Exception error) {
        ForeachPartitionFunction<Long> fails = rows -> {
            throw error;
        };
        Throwable thrown = catchThrowable(() -> spark.range(4).foreachPartition(fails));
        assertThat(thrown).isNotNull();
        return thrown;
    }
}
