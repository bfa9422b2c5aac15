package org.canvaslake.lander;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One SQS message as Canvas sent it: its id, when the queue received it, all its message attributes
 * ({@code event_name}, {@code event_time}, ...) and the body string exactly as delivered.
 */
public record LiveEventMessage(String messageId, Instant receivedAt, Map<String, String> attributes, String body) {

    public LiveEventMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(body, "body");
        attributes = attributes == null ? Map.of() : Map.copyOf(new TreeMap<>(attributes));
    }
}
