package org.canvaslake.events;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Finds the messages inside one JSON document of a raw object, for every layout people keep live events in:
 * <ul>
 *   <li>our envelope line {@code {"message_id", "received_at", "attributes": {...}, "body": "..."}};</li>
 *   <li>{@code aws sqs receive-message} output {@code {"Messages": [{"MessageId", "Body", "Attributes":
 *       {"SentTimestamp"}, "MessageAttributes": {"event_name": {"StringValue": ...}}}]}}, or one such message
 *       alone (e.g. from {@code jq '.Messages[]'});</li>
 *   <li>a Lambda SQS event {@code {"Records": [{"messageId", "body", "attributes", "messageAttributes"}]}};</li>
 *   <li>a bare event (Canvas {@code {metadata, body}} or a Caliper envelope), or a JSON array of any of these.</li>
 * </ul>
 */
public final class MessageReader {

    /** A message, or why part of the document holds none. */
    public record Item(IncomingMessage message, Problem problem) {
        static Item of(IncomingMessage m) {
            return new Item(m, null);
        }

        static Item problem(String reason, String detail) {
            return new Item(null, new Problem(reason, detail));
        }
    }

    public record Problem(String reason, String detail) {
    }

    private MessageReader() {
    }

    /** The messages of a parsed document; {@code text} is the document's (redacted) text. */
    public static List<Item> read(JsonNode doc, String text) {
        List<Item> out = new ArrayList<>(1);
        if (doc.isArray()) {
            for (JsonNode element : doc) {
                readOne(element, null, out);
            }
        } else {
            readOne(doc, text, out);
        }
        return out;
    }

    private static void readOne(JsonNode doc, String text, List<Item> out) {
        if (!doc.isObject()) {
            out.add(Item.problem(Quarantine.UNKNOWN_SHAPE, "a " + doc.getNodeType().name().toLowerCase()
                    + " where a message or an event was expected"));
            return;
        }
        if (doc.has("message_id") && doc.has("body")) {
            out.add(envelope(doc));
        } else if (doc.path("Messages").isArray()) {
            for (JsonNode m : doc.get("Messages")) {
                out.add(sqsMessage(m));
            }
        } else if (doc.path("Records").isArray()) {
            for (JsonNode m : doc.get("Records")) {
                out.add(sqsMessage(m));
            }
        } else if ((doc.has("MessageId") || doc.has("messageId")) && (doc.has("Body") || doc.has("body"))) {
            out.add(sqsMessage(doc));
        } else {
            out.add(Item.of(new IncomingMessage(null, null, Map.of(), text != null ? text : doc.toString(), doc)));
        }
    }

    /** Our own envelope, written by the lander. */
    private static Item envelope(JsonNode doc) {
        Map<String, String> attributes = new LinkedHashMap<>();
        JsonNode attrs = doc.path("attributes");
        Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNull()) {
                attributes.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        return body(text(doc, "message_id"), receivedAt(text(doc, "received_at")), attributes, doc.get("body"));
    }

    /** One message of {@code aws sqs receive-message} (PascalCase) or of a Lambda SQS event (camelCase). */
    private static Item sqsMessage(JsonNode m) {
        if (!m.isObject()) {
            return Item.problem(Quarantine.UNKNOWN_SHAPE, "an SQS message that is not a JSON object");
        }
        String id = text(m, "MessageId") != null ? text(m, "MessageId") : text(m, "messageId");
        JsonNode system = m.has("Attributes") ? m.get("Attributes") : m.path("attributes");
        Long received = receivedAt(text(system, "SentTimestamp"));
        Map<String, String> attributes = new LinkedHashMap<>();
        JsonNode attrs = m.has("MessageAttributes") ? m.get("MessageAttributes") : m.path("messageAttributes");
        Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String value = v.isTextual() ? v.asText()
                    : text(v, "StringValue") != null ? text(v, "StringValue") : text(v, "stringValue");
            if (value != null) {
                attributes.put(e.getKey(), value);
            }
        }
        JsonNode body = m.has("Body") ? m.get("Body") : m.get("body");
        return body(id, received, attributes, body);
    }

    private static Item body(String id, Long received, Map<String, String> attributes, JsonNode body) {
        if (body == null || body.isNull()) {
            return Item.problem(Quarantine.EMPTY_BODY, "message " + id + " has no body");
        }
        if (body.isTextual()) {
            String text = body.asText();
            if (text.isBlank()) {
                return Item.problem(Quarantine.EMPTY_BODY, "message " + id + " has an empty body");
            }
            return Item.of(new IncomingMessage(id, received, attributes, text, null));
        }
        // a body someone stored as a JSON object rather than a string
        return Item.of(new IncomingMessage(id, received, attributes, body.toString(), body));
    }

    private static Long receivedAt(String value) {
        long micros = EventTime.parseMicros(value);
        return micros == EventTime.UNPARSED ? null : micros;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }
}
