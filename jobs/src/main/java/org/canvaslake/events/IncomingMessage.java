package org.canvaslake.events;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One delivered message as read from a raw record, before its body is looked at: what the queue said about it
 * (id, receive time, attributes) and the body. For a bare event (no envelope) only the body is known.
 *
 * @param messageId        SQS message id, or null for a bare event
 * @param receivedAtMicros when the queue received it (UTC micros), or null when the input does not say
 * @param attributes       message attributes ({@code event_name}, {@code event_time}, ...)
 * @param bodyText         the body as delivered (already redacted)
 * @param body             the body parsed, or null when {@code bodyText} has not been parsed yet
 */
public record IncomingMessage(String messageId, Long receivedAtMicros, Map<String, String> attributes,
                              String bodyText, JsonNode body) {
}
