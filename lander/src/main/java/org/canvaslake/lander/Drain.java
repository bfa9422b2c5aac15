package org.canvaslake.lander;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Empties an SQS queue into the lake: receive up to 10 messages (long polling), land them as one raw object, and
 * only then delete them. A failed write deletes nothing: the messages become visible again after the queue's
 * visibility timeout, and the drain stops (the store is unreachable or refuses writes; going on would only hide
 * the rest of the queue for a visibility timeout too).
 */
public final class Drain {

    /** SQS hands out at most 10 messages per receive. */
    public static final int MAX_BATCH = 10;
    /** SQS long polling waits at most 20 seconds. */
    public static final int MAX_WAIT_SECONDS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    /** When to stop besides an empty queue: {@code maxMessages} 0 and {@code maxDuration} zero mean no limit. */
    public record Limits(long maxMessages, Duration maxDuration, int waitSeconds) {
        public Limits {
            if (maxMessages < 0) {
                throw new IllegalArgumentException("max messages must be 0 (no limit) or more, got " + maxMessages);
            }
            Objects.requireNonNull(maxDuration, "maxDuration");
            if (maxDuration.isNegative()) {
                throw new IllegalArgumentException("max duration must be 0 (no limit) or more, got " + maxDuration);
            }
            if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
                throw new IllegalArgumentException("wait seconds must be between 0 and " + MAX_WAIT_SECONDS
                        + " (the SQS long-polling maximum), got " + waitSeconds);
            }
        }

        public static Limits untilEmpty() {
            return new Limits(0, Duration.ZERO, MAX_WAIT_SECONDS);
        }
    }

    public enum Stop {
        /** A receive came back empty: nothing visible is left. */
        QUEUE_EMPTY,
        MAX_MESSAGES,
        MAX_SECONDS,
        /** A batch could not be written; its messages stay on the queue. */
        WRITE_FAILED,
        /** The queue could not be read (wrong URL, no permission, network). */
        RECEIVE_FAILED
    }

    /**
     * What a drain did. {@code messages} were landed and deleted (or landed with a failed delete, counted in
     * {@code undeleted}: they come back and land again, a duplicate the compaction drops).
     */
    public record Result(long messages, long objects, long failures, long undeleted, Duration duration, Stop stop) {
        public boolean ok() {
            return failures == 0;
        }
    }

    private final SqsClient sqs;
    private final String queueUrl;
    private final BatchLander lander;
    private final Limits limits;
    private final Clock clock;

    public Drain(SqsClient sqs, String queueUrl, BatchLander lander, Limits limits) {
        this(sqs, queueUrl, lander, limits, Clock.systemUTC());
    }

    Drain(SqsClient sqs, String queueUrl, BatchLander lander, Limits limits, Clock clock) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        this.lander = Objects.requireNonNull(lander, "lander");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = clock;
    }

    public Result run() {
        Instant start = clock.instant();
        Instant deadline = limits.maxDuration().isZero() ? null : start.plus(limits.maxDuration());
        long messages = 0;
        long objects = 0;
        long failures = 0;
        long undeleted = 0;
        Stop stop;
        while (true) {
            if (limits.maxMessages() > 0 && messages >= limits.maxMessages()) {
                stop = Stop.MAX_MESSAGES;
                break;
            }
            int wait = limits.waitSeconds();
            if (deadline != null) {
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.isNegative() || left.isZero()) {
                    stop = Stop.MAX_SECONDS;
                    break;
                }
                wait = (int) Math.min(wait, left.toSeconds());
            }
            int want = limits.maxMessages() > 0 ? (int) Math.min(MAX_BATCH, limits.maxMessages() - messages) : MAX_BATCH;
            List<Message> received;
            try {
                received = receive(want, wait);
            } catch (SdkException e) {
                LOG.error("Cannot receive from {}: {}. Check the queue URL, --region/--endpoint-url and that the"
                        + " credentials may sqs:ReceiveMessage.", queueUrl, e.getMessage());
                failures++;
                stop = Stop.RECEIVE_FAILED;
                break;
            }
            if (received.isEmpty()) {
                // with under a second of --max-seconds left the receive could not wait, and SQS answers a poll that
                // does not wait from some of its servers only: its empty answer does not mean an empty queue
                stop = wait == 0 && limits.waitSeconds() > 0 ? Stop.MAX_SECONDS : Stop.QUEUE_EMPTY;
                break;
            }
            Instant now = clock.instant();
            List<LiveEventMessage> batch = new ArrayList<>(received.size());
            received.forEach(m -> batch.add(QueueMessages.fromSdk(m, now)));
            long t0 = System.nanoTime();
            String key;
            try {
                key = lander.land(batch);
            } catch (Exception e) {
                LOG.error("Could not land {} messages in {}; nothing deleted, they reappear on the queue after its"
                                + " visibility timeout. Stopping. Cause: {}", batch.size(), lander.store().describe(),
                        e.getMessage(), e);
                failures++;
                stop = Stop.WRITE_FAILED;
                break;
            }
            long writeMs = (System.nanoTime() - t0) / 1_000_000;
            objects++;
            messages += batch.size();
            int notDeleted = delete(received);
            undeleted += notDeleted;
            LOG.info("Landed {} messages as {}/{} ({} ms write{}); {} messages so far", batch.size(),
                    lander.store().describe(), key, writeMs,
                    notDeleted == 0 ? "" : ", " + notDeleted + " not deleted and will come back", messages);
        }
        Result result = new Result(messages, objects, failures, undeleted, Duration.between(start, clock.instant()), stop);
        LOG.info("Drain of {} into {} stopped ({}): {} messages landed in {} objects, {} failures, {} not deleted,"
                        + " {} s", queueUrl, lander.store().describe(), stop, messages, objects, failures, undeleted,
                result.duration().toMillis() / 1000.0);
        return result;
    }

    @SuppressWarnings("deprecation")
    private List<Message> receive(int max, int waitSeconds) {
        // attributeNames is the older spelling of messageSystemAttributeNames; both are sent so that servers
        // implementing either return ApproximateFirstReceiveTimestamp
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(max)
                .waitTimeSeconds(waitSeconds)
                .messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .attributeNames(QueueAttributeName.ALL)).messages();
    }

    /** Deletes the landed messages; returns how many SQS did not delete. */
    private int delete(List<Message> landed) {
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(landed.size());
        for (int i = 0; i < landed.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder()
                    .id(Integer.toString(i)).receiptHandle(landed.get(i).receiptHandle()).build());
        }
        try {
            DeleteMessageBatchResponse response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
            response.failed().forEach(f -> LOG.warn("SQS did not delete landed message {} ({}: {}); it will be"
                    + " delivered again and land a second time", landed.get(Integer.parseInt(f.id())).messageId(),
                    f.code(), f.message()));
            return response.failed().size();
        } catch (SdkException e) {
            LOG.warn("Could not delete {} landed messages from {}: {}; they will be delivered again and land a second"
                    + " time", landed.size(), queueUrl, e.getMessage());
            return landed.size();
        }
    }
}
