package org.canvaslake.lander;

import java.time.Duration;
import java.util.Locale;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.job.CommonOptions;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code canvaslake drain}: what the Lambda handler does, for places that don't run Lambda. Polls the queue, lands
 * each batch as one raw object under the lake, deletes the batch only once its object is written.
 */
public final class DrainCommand implements Command {

    @Override
    public CommandSpec spec() {
        return new CommandSpec("drain",
                "Poll an SQS queue and land its live events as raw objects (instead of Lambda)\n\n"
                        + "Receives up to 10 messages at a time (long polling, all message attributes), writes each"
                        + " batch as one gzip JSON-lines object under <lake>/raw/live_events/dt=YYYY-MM-DD/hour=HH/,"
                        + " and deletes the batch from the queue only after its object is written. Stops when a"
                        + " receive comes back empty, or at --max-messages / --max-seconds. Exit code 1 when a batch"
                        + " could not be written: its messages stay on the queue and reappear after the queue's"
                        + " visibility timeout; the drain stops there.",
                "drain --queue-url URL [--lake s3://bucket/prefix|DIR] [--max-messages N] [--max-seconds S]")
                .option(OptionSpec.value("queue-url", null,
                        "URL of the SQS queue Canvas sends live events to (required), e.g."
                                + " https://sqs.us-east-1.amazonaws.com/123456789012/canvas-live-events"))
                .option(CommonOptions.LAKE)
                .option(OptionSpec.value("max-messages", "0",
                        "Stop after landing this many messages (0: no limit, drain until the queue is empty)"))
                .option(OptionSpec.value("max-seconds", "0",
                        "Stop receiving after this many seconds (0: no limit, drain until the queue is empty)"))
                .option(OptionSpec.value("wait-seconds", Integer.toString(Drain.MAX_WAIT_SECONDS),
                        "Long-polling wait per receive, 0 to " + Drain.MAX_WAIT_SECONDS
                                + "; a receive that stays empty this long ends the drain"))
                .option(OptionSpec.value("endpoint-url", null,
                        "Send SQS and S3 requests to this endpoint instead of AWS (an SQS/S3-compatible server such"
                                + " as LocalStack or ElasticMQ); S3 then uses path-style addressing"))
                .option(OptionSpec.value("s3-endpoint-url", null,
                        "Send S3 requests to this endpoint instead (when S3 is served apart from SQS, e.g. MinIO);"
                                + " default: --endpoint-url, else AWS"))
                .option(OptionSpec.value("region", null,
                        "AWS region of the queue and bucket (default: the region in the queue URL, else AWS_REGION"
                                + " or the profile); credentials come from the standard AWS chain"))
                .option(CommonOptions.CONFIG);
    }

    @Override
    public int run(Options options) {
        String queueUrl = options.require("queue-url", "the SQS queue to drain");
        String lake = options.getOrDefault("lake", "./lake");
        Drain.Limits limits = limits(options);
        String region = options.get("region").orElse(null);
        String endpoint = options.get("endpoint-url").orElse(null);
        AwsSettings sqsSettings = AwsSettings.of(endpoint, region);
        AwsSettings s3Settings = AwsSettings.of(options.get("s3-endpoint-url").orElse(endpoint), region);
        String queueRegion = AwsSettings.regionOfQueue(queueUrl).orElse(null);
        try (S3Client s3 = S3ObjectStore.isS3(lake) ? s3Settings.s3(queueRegion) : null;
             SqsClient sqs = sqsSettings.sqs(queueUrl)) {
            ObjectStore store = store(lake, s3);
            Drain.Result result = new Drain(sqs, queueUrl, new BatchLander(store), limits).run();
            System.out.printf("drain: %d messages landed in %d objects under %s, %d failures, %d not deleted,"
                            + " %.1f s (stopped: %s)%n", result.messages(), result.objects(), store.describe(),
                    result.failures(), result.undeleted(), result.duration().toMillis() / 1000.0,
                    result.stop().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            return result.ok() ? 0 : 1;
        }
    }

    private static ObjectStore store(String lake, S3Client s3) {
        try {
            return ObjectStore.forLake(lake, () -> s3);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--lake: " + e.getMessage());
        }
    }

    static Drain.Limits limits(Options options) {
        long maxMessages = options.getLong("max-messages");
        long maxSeconds = options.getLong("max-seconds");
        int waitSeconds = options.getInt("wait-seconds");
        if (maxMessages < 0) {
            throw new UsageException("--max-messages must be 0 (no limit) or a positive number, got " + maxMessages);
        }
        if (maxSeconds < 0) {
            throw new UsageException("--max-seconds must be 0 (no limit) or a positive number, got " + maxSeconds);
        }
        if (waitSeconds < 0 || waitSeconds > Drain.MAX_WAIT_SECONDS) {
            throw new UsageException("--wait-seconds must be between 0 and " + Drain.MAX_WAIT_SECONDS
                    + " (the SQS long-polling maximum), got " + waitSeconds);
        }
        return new Drain.Limits(maxMessages, Duration.ofSeconds(maxSeconds), waitSeconds);
    }
}
