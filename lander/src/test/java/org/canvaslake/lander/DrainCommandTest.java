package org.canvaslake.lander;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * {@code canvaslake drain} against a real SQS-compatible server (ElasticMQ) and a real S3-compatible server
 * (S3Proxy), both reached through the AWS SDK with endpoint overrides, exactly as the command runs in production.
 */
@ExtendWith(LocalAws.class)
class DrainCommandTest {

    private static final String LAYOUT =
            "lake/raw/live_events/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/[0-9a-f]{32}\\.jsonl\\.gz";

    private final SqsClient sqs = LocalAws.sqs();
    private final S3Client s3 = LocalAws.s3();


    @Test
    void drainsTheQueueIntoS3WithAttributesAndVerbatimBodies() {
        assertDrainsEverything(TestEvents.synthetic(25));
    }

    @Test
    void drainsThePublishedCanvasAndCaliperEventsVerbatim() {
        assertDrainsEverything(TestEvents.published());
    }

    private void assertDrainsEverything(List<TestEvents.Event> events) {
        String queue = LocalAws.newQueue(sqs);
        String bucket = LocalAws.newBucket(s3);
        send(queue, events);
        Instant before = Instant.now();

        int exit = drain("--queue-url", queue, "--lake", "s3://" + bucket + "/lake", "--wait-seconds", "1");

        assertThat(exit).isZero();
        List<String> keys = Landed.keys(s3, bucket);
        assertThat(keys).allMatch(k -> k.matches(LAYOUT), "keys in the raw layout " + LAYOUT);
        // SQS hands out at most 10 per receive, and each receive is one object
        assertThat(keys).hasSizeGreaterThanOrEqualTo((events.size() + 9) / 10);
        keys.forEach(k -> assertThat(Landed.lines(s3, bucket, k)).hasSizeBetween(1, 10));
        List<JsonNode> lines = Landed.allLines(s3, bucket);
        assertThat(lines).hasSize(events.size());
        assertThat(lines).extracting(l -> l.get("attributes").get("sequence").asInt()).doesNotHaveDuplicates();
        for (JsonNode line : lines) {
            int seq = line.get("attributes").get("sequence").asInt();
            assertThat(line.get("body").asText()).isEqualTo(events.get(seq).body());
            assertThat(line.get("attributes").get("event_name").asText()).isEqualTo(events.get(seq).eventName());
            assertThat(line.get("attributes").get("event_time").asText()).isEqualTo("2024-03-05T07:12:30.001Z");
            assertThat(new String(Base64.getDecoder().decode(line.get("attributes").get("trace").asText()),
                    StandardCharsets.UTF_8)).isEqualTo("trace-" + seq);
            assertThat(line.get("message_id").asText()).isNotBlank();
            assertThat(Instant.parse(line.get("received_at").asText())).isBetween(before.minusSeconds(1), Instant.now());
        }
        assertThat(messagesOnQueue(queue)).isZero();
    }

    @Test
    void aFailedWriteDeletesNothingAndExitsNonZero() throws Exception {
        String queue = newQueue(1);
        send(queue, TestEvents.synthetic(5));

        int failed = drain("--queue-url", queue, "--lake", "s3://no-such-bucket/lake", "--wait-seconds", "1");

        assertThat(failed).isEqualTo(1);
        assertThat(messagesOnQueue(queue)).isEqualTo(5);

        // after the visibility timeout the messages are back, and a working lake gets all of them
        Thread.sleep(1500);
        Instant secondDrain = Instant.now();
        String bucket = LocalAws.newBucket(s3);
        int exit = drain("--queue-url", queue, "--lake", "s3://" + bucket + "/lake", "--wait-seconds", "1");

        assertThat(exit).isZero();
        List<JsonNode> lines = Landed.allLines(s3, bucket);
        assertThat(lines).extracting(l -> l.get("attributes").get("sequence").asInt())
                .containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        // filed under the first receive (the failed drain), so a redelivery lands in the same partition
        assertThat(lines).allSatisfy(l -> assertThat(Instant.parse(l.get("received_at").asText()))
                .isBefore(secondDrain));
        assertThat(messagesOnQueue(queue)).isZero();
    }

    @Test
    void maxMessagesStopsEarlyAndLeavesTheRestOnTheQueue() {
        String queue = LocalAws.newQueue(sqs);
        String bucket = LocalAws.newBucket(s3);
        send(queue, TestEvents.synthetic(25));

        int exit = drain("--queue-url", queue, "--lake", "s3://" + bucket + "/lake", "--wait-seconds", "1",
                "--max-messages", "12");

        assertThat(exit).isZero();
        assertThat(Landed.allLines(s3, bucket)).hasSize(12);
        assertThat(visibleMessages(queue)).isEqualTo(13);
    }

    @Test
    void drainsIntoALocalLakeDirectory(@TempDir Path lake) throws IOException {
        String queue = LocalAws.newQueue(sqs);
        send(queue, TestEvents.synthetic(7));

        int exit = drain("--queue-url", queue, "--lake", lake.toString(), "--wait-seconds", "1");

        assertThat(exit).isZero();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(lake)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).allMatch(f -> lake.relativize(f).toString()
                .matches("raw/live_events/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/[0-9a-f]{32}\\.jsonl\\.gz"));
        List<JsonNode> lines = new ArrayList<>();
        for (Path f : files) {
            lines.addAll(Landed.lines(Files.readAllBytes(f)));
        }
        assertThat(lines).hasSize(7);
    }

    @Test
    void maxSecondsStopsBetweenBatches() {
        String queue = LocalAws.newQueue(sqs);
        send(queue, TestEvents.synthetic(40));
        // a store that takes 700 ms per object: at most two objects fit into one second
        ObjectStore slow = new ObjectStore() {
            final List<String> keys = new ArrayList<>();

            @Override
            public void put(String key, byte[] bytes) {
                try {
                    Thread.sleep(700);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                keys.add(key);
            }

            @Override
            public String describe() {
                return "slow store";
            }
        };

        Drain.Result result = new Drain(sqs, queue, new BatchLander(slow),
                new Drain.Limits(0, Duration.ofSeconds(1), 1)).run();

        assertThat(result.stop()).isEqualTo(Drain.Stop.MAX_SECONDS);
        assertThat(result.objects()).isBetween(1L, 2L);
        assertThat(result.failures()).isZero();
        assertThat(visibleMessages(queue)).isEqualTo(40 - result.messages());
    }

    /**
     * With under a second of --max-seconds left, a receive could not wait: its empty answer would not mean an empty
     * queue, so the drain stops for time instead of saying the queue was empty.
     */
    @Test
    void underASecondLeftStopsForTimeNotForAnEmptyQueue() {
        String queue = LocalAws.newQueue(sqs);
        Instant start = Instant.parse("2026-12-08T03:00:00Z");
        // the start, then every later reading half a second before the deadline
        java.time.Clock clock = new java.time.Clock() {
            private boolean started;

            @Override
            public Instant instant() {
                Instant now = started ? start.plusMillis(9_500) : start;
                started = true;
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };

        Drain.Result result = new Drain(sqs, queue, new BatchLander(new LocalObjectStore(Path.of("unused"))),
                new Drain.Limits(0, Duration.ofSeconds(10), 5), clock).run();

        assertThat(result.stop()).isEqualTo(Drain.Stop.MAX_SECONDS);
        assertThat(result.messages()).isZero();
    }

    @Test
    void anUnknownQueueIsAFailure() {
        String bucket = LocalAws.newBucket(s3);
        String missing = LocalAws.sqsEndpoint() + "/000000000000/no-such-queue";

        int exit = drain("--queue-url", missing, "--lake", "s3://" + bucket + "/lake", "--wait-seconds", "1");

        assertThat(exit).isEqualTo(1);
        assertThat(Landed.keys(s3, bucket)).isEmpty();
    }

    @Test
    void helpExplainsEveryOption() {
        String help = new DrainCommand().spec().help();

        assertThat(new DrainCommand().spec().options().keySet()).containsExactlyInAnyOrder("queue-url", "lake",
                "max-messages", "max-seconds", "wait-seconds", "endpoint-url", "s3-endpoint-url", "region", "config");
        new DrainCommand().spec().options().keySet().forEach(o -> assertThat(help).contains("--" + o + " <value>"));
        assertThat(help).contains("Long-polling", "deletes the batch from the queue only after", "(default: 20)",
                "(default: ./lake)");
    }

    @Test
    void wrongOptionsAreUsageErrorsNamingTheOption() {
        assertThatThrownBy(() -> drain("--lake", "/tmp/lake")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--queue-url");
        assertThatThrownBy(() -> drain("--queue-url", "http://x/q", "--wait-seconds", "21"))
                .isInstanceOf(UsageException.class).hasMessageContaining("--wait-seconds");
        assertThatThrownBy(() -> drain("--queue-url", "http://x/q", "--max-messages", "-1"))
                .isInstanceOf(UsageException.class).hasMessageContaining("--max-messages");
        assertThatThrownBy(() -> drain("--queue-url", "http://x/q", "--lake", "gs://bucket/lake"))
                .isInstanceOf(UsageException.class).hasMessageContaining("--lake");
    }

    /** Runs the command as Main does, pointed at the emulators. */
    private static int drain(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint-url", LocalAws.sqsEndpoint().toString(),
                "--s3-endpoint-url", LocalAws.s3Endpoint().toString(), "--region", LocalAws.REGION));
        DrainCommand command = new DrainCommand();
        return command.run(Options.parse(command.spec(), all));
    }

    private String newQueue(int visibilityTimeoutSeconds) {
        return sqs.createQueue(r -> r.queueName("live-" + UUID.randomUUID())
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds))))
                .queueUrl();
    }

    /** Sends the events as Canvas does, with string, number and binary message attributes. */
    private void send(String queue, List<TestEvents.Event> events) {
        for (int start = 0; start < events.size(); start += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = start; i < Math.min(start + 10, events.size()); i++) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id("m" + i)
                        .messageBody(events.get(i).body())
                        .messageAttributes(Map.of(
                                "event_name", string("String", events.get(i).eventName()),
                                "event_time", string("String", "2024-03-05T07:12:30.001Z"),
                                "sequence", string("Number", Integer.toString(i)),
                                "trace", MessageAttributeValue.builder().dataType("Binary")
                                        .binaryValue(SdkBytes.fromUtf8String("trace-" + i)).build()))
                        .build());
            }
            var response = sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
            assertThat(response.failed()).as("messages the queue refused").isEmpty();
        }
    }

    private static MessageAttributeValue string(String type, String value) {
        return MessageAttributeValue.builder().dataType(type).stringValue(value).build();
    }

    private int visibleMessages(String queue) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(queue)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    /** Visible plus in flight (received, not yet deleted). */
    private int messagesOnQueue(String queue) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(queue).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
}
