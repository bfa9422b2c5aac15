package org.canvaslake.lander;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * SQS messages, as the SDK's ReceiveMessage and as Lambda's SQS event deliver them, turned into
 * {@link LiveEventMessage}s the same way: message attributes as strings (binary ones base64), the body verbatim,
 * and the receive time taken from the queue's {@code ApproximateFirstReceiveTimestamp}.
 */
final class QueueMessages {

    /**
     * When the queue first handed the message out. It stays the same on every redelivery, so a retried batch falls
     * into the same {@code dt=/hour=} partition and gets the same object key.
     */
    static final String FIRST_RECEIVE = "ApproximateFirstReceiveTimestamp";

    private QueueMessages() {
    }

    static LiveEventMessage fromSdk(Message m, Instant now) {
        Map<String, String> attributes = new LinkedHashMap<>();
        m.messageAttributes().forEach((name, value) -> {
            String text = text(value);
            if (text != null) {
                attributes.put(name, text);
            }
        });
        return new LiveEventMessage(m.messageId(), receivedAt(m.attributesAsStrings().get(FIRST_RECEIVE), now),
                attributes, m.body());
    }

    static LiveEventMessage fromLambda(SQSEvent.SQSMessage m, Instant now) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (m.getMessageAttributes() != null) {
            m.getMessageAttributes().forEach((name, value) -> {
                String text = text(value);
                if (text != null) {
                    attributes.put(name, text);
                }
            });
        }
        String firstReceive = m.getAttributes() == null ? null : m.getAttributes().get(FIRST_RECEIVE);
        return new LiveEventMessage(m.getMessageId(), receivedAt(firstReceive, now), attributes, m.getBody());
    }

    /** Epoch milliseconds as SQS writes them; {@code fallback} when absent or unreadable. */
    static Instant receivedAt(String epochMillis, Instant fallback) {
        if (epochMillis == null || epochMillis.isBlank()) {
            return fallback;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(epochMillis.trim()));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String text(MessageAttributeValue v) {
        if (v.stringValue() != null) {
            return v.stringValue();
        }
        return v.binaryValue() == null ? null : Base64.getEncoder().encodeToString(v.binaryValue().asByteArray());
    }

    private static String text(SQSEvent.MessageAttribute v) {
        if (v == null) {
            return null;
        }
        if (v.getStringValue() != null) {
            return v.getStringValue();
        }
        ByteBuffer binary = v.getBinaryValue();
        if (binary == null) {
            return null;
        }
        ByteBuffer copy = binary.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
