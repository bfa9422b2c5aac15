package org.canvaslake.events;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns one message into the live events it carries: detects the format, names the event, gives it an id that
 * survives redelivery, parses its time and picks out the user, context, course, assignment and root account.
 *
 * <ul>
 *   <li>Canvas format ({@code {"metadata", "body"}}): name from {@code metadata.event_name} (the message attribute
 *       when missing); id = SHA-256 of the canonical JSON of the event, because Canvas gives no id and a redelivery
 *       may be re-serialised with other key order or spacing.</li>
 *   <li>Caliper ({@code {"sensor", "sendTime", "data": [...]}}, or a single Caliper event): one event per
 *       {@code data[]} element; name from the {@code event_name} message attribute (the only place Caliper has it);
 *       id = {@code data[].id} + {@code #} + name, because published examples reuse one id for two event types.</li>
 * </ul>
 */
public final class EventDecoder {

    /** What a message turned into: events, or a problem that sends it to quarantine. */
    public record Result(List<LiveEvent> events, MessageReader.Problem problem) {
        static Result problem(String reason, String detail) {
            return new Result(List.of(), new MessageReader.Problem(reason, detail));
        }
    }

    private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}");

    private final CanonicalHash canonicalHash;

    public EventDecoder() {
        try {
            canonicalHash = new CanonicalHash(MessageDigest.getInstance("SHA-256"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    public Result decode(IncomingMessage message) {
        JsonNode body = message.body();
        if (body == null) {
            try {
                body = Json.MAPPER.readTree(message.bodyText());
            } catch (Exception e) {
                return Result.problem(Quarantine.BROKEN_BODY, "the message body is not valid JSON: " + firstLine(e));
            }
            if (body == null || body.isMissingNode()) {
                return Result.problem(Quarantine.EMPTY_BODY, "the message body is empty");
            }
        }
        if (!body.isObject()) {
            return Result.problem(Quarantine.UNKNOWN_SHAPE, "the message body is a "
                    + body.getNodeType().name().toLowerCase() + ", not a JSON object");
        }
        if (body.path("metadata").isObject() && body.has("body")) {
            return canvas(message, body);
        }
        if (body.path("data").isArray()) {
            return caliperEnvelope(message, body);
        }
        if (body.has("actor") && body.has("action") && body.has("eventTime")) {
            return caliper(message, null, body, message.bodyText());
        }
        return Result.problem(Quarantine.UNKNOWN_SHAPE, "neither a Canvas event ({metadata, body}) nor a Caliper "
                + "envelope ({sensor, sendTime, data}) nor a Caliper event; top-level fields: " + fieldNames(body));
    }

    private Result canvas(IncomingMessage message, JsonNode event) {
        JsonNode metadata = event.get("metadata");
        String name = text(metadata, "event_name");
        if (name == null || name.isBlank()) {
            name = message.attributes().get("event_name");
        }
        MessageReader.Problem problem = checkName(name,
                "metadata.event_name and the event_name message attribute are both missing");
        if (problem != null) {
            return new Result(List.of(), problem);
        }
        String timeRaw = text(metadata, "event_time");
        if (timeRaw == null) {
            timeRaw = message.attributes().get("event_time");
        }
        JsonNode body = event.path("body");
        String userId = text(metadata, "user_id");
        if (userId == null) {
            // LTI- and API-triggered events (submission_created, attachment_created) carry no user metadata: the
            // user the event is about is in the body
            userId = text(body, "user_id");
        }
        String contextType = text(metadata, "context_type");
        String contextId = text(metadata, "context_id");
        if (contextType == null && contextId == null) {
            contextType = text(body, "context_type");
            contextId = text(body, "context_id");
        }
        String courseId = null;
        if ("Course".equals(contextType)) {
            courseId = contextId;
        }
        if (courseId == null) {
            courseId = text(body, "course_id");
        }
        if (courseId == null && body.path("course").isObject()) {
            courseId = text(body.get("course"), "id");
        }
        String eventId = HexFormat.of().formatHex(canonicalHash.sha256(event));
        return new Result(List.of(new LiveEvent(eventId, name, LiveEvent.CANVAS, EventTime.parseMicros(timeRaw), timeRaw,
                userId, contextType, contextId, courseId, text(body, "assignment_id"), text(metadata, "root_account_id"),
                message.bodyText(), null, event)), null);
    }

    private Result caliperEnvelope(IncomingMessage message, JsonNode envelope) {
        ArrayNode data = (ArrayNode) envelope.get("data");
        if (data.isEmpty()) {
            return Result.problem(Quarantine.UNKNOWN_SHAPE, "a Caliper envelope with an empty data array");
        }
        if (data.size() == 1) {
            return caliper(message, envelope, data.get(0), message.bodyText());
        }
        List<LiveEvent> events = new ArrayList<>(data.size());
        for (JsonNode item : data) {
            // several events in one envelope: each keeps the envelope around it, alone
            ObjectNode single = envelope.deepCopy();
            single.putArray("data").add(item);
            Result r = caliper(message, envelope, item, Json.write(single));
            if (r.problem() != null) {
                return r;
            }
            events.addAll(r.events());
        }
        return new Result(events, null);
    }

    private Result caliper(IncomingMessage message, JsonNode envelope, JsonNode item, String eventJson) {
        if (!item.isObject()) {
            return Result.problem(Quarantine.UNKNOWN_SHAPE, "a Caliper data element that is not a JSON object");
        }
        String name = message.attributes().get("event_name");
        MessageReader.Problem problem = checkName(name,
                "a Caliper event needs the event_name message attribute, and it is missing");
        if (problem != null) {
            return new Result(List.of(), problem);
        }
        String id = text(item, "id");
        if (id == null || id.isBlank()) {
            return Result.problem(Quarantine.UNKNOWN_SHAPE, "a Caliper event without an id");
        }
        String timeRaw = text(item, "eventTime");
        if (timeRaw == null) {
            timeRaw = message.attributes().get("event_time");
        }
        JsonNode actor = item.path("actor");
        JsonNode actorExt = canvasExtension(actor);
        String userId = null;
        if ("Person".equals(text(actor, "type"))) {
            userId = text(actorExt, "entity_id");
            if (userId == null) {
                userId = CanvasId.urnEntity(text(actor, "id"));
            }
        }
        String contextType = null;
        String contextId = null;
        JsonNode group = item.path("group");
        if (group.isObject()) {
            JsonNode groupExt = canvasExtension(group);
            contextType = text(groupExt, "context_type");
            contextId = text(groupExt, "entity_id");
            String groupId = text(group, "id");
            if (contextType == null) {
                contextType = contextTypeOf(text(group, "type"), groupId);
            }
            if (contextId == null && contextType != null) {
                contextId = CanvasId.urnSegment(groupId, contextType.toLowerCase());
            }
        }
        JsonNode object = item.path("object");
        String objectId = text(object, "id");
        String objectType = CanvasId.urnType(objectId);
        String courseId = "Course".equals(contextType) ? contextId : null;
        if (courseId == null && "course".equals(objectType)) {
            courseId = entityId(object);
        }
        if (courseId == null) {
            courseId = CanvasId.urnSegment(text(canvasExtension(object), "course_id"), "course");
        }
        String assignmentId = null;
        if ("assignment".equals(objectType)) {
            assignmentId = entityId(object);
        } else {
            String assignable = text(object.path("assignable"), "id");
            if ("assignment".equals(CanvasId.urnType(assignable))) {
                assignmentId = CanvasId.urnEntity(assignable);
            }
        }
        String rootAccountId = text(actorExt, "root_account_id");
        return new Result(List.of(new LiveEvent(id + "#" + name, name, LiveEvent.CALIPER, EventTime.parseMicros(timeRaw),
                timeRaw, userId, contextType, contextId, courseId, assignmentId, rootAccountId, eventJson, envelope,
                item)), null);
    }

    private static String entityId(JsonNode object) {
        String id = text(canvasExtension(object), "entity_id");
        return id != null ? id : CanvasId.urnEntity(text(object, "id"));
    }

    private static String contextTypeOf(String caliperType, String urn) {
        if ("CourseOffering".equals(caliperType) || "CourseSection".equals(caliperType)) {
            return "Course";
        }
        if ("Group".equals(caliperType)) {
            return "Group";
        }
        String type = CanvasId.urnType(urn);
        return type == null ? null : Character.toUpperCase(type.charAt(0)) + type.substring(1);
    }

    private static JsonNode canvasExtension(JsonNode node) {
        return node.path("extensions").path("com.instructure.canvas");
    }

    private static MessageReader.Problem checkName(String name, String missing) {
        if (name == null || name.isBlank()) {
            return new MessageReader.Problem(Quarantine.NO_EVENT_NAME, missing);
        }
        if (!EVENT_NAME.matcher(name).matches()) {
            return new MessageReader.Problem(Quarantine.BAD_EVENT_NAME, "the event name '"
                    + (name.length() > 60 ? name.substring(0, 60) + "..." : name)
                    + "' cannot name a table (letters, digits, _ . : -; at most 100)");
        }
        return null;
    }

    static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        return FieldType.text(v);
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(n -> {
            if (names.size() < 8) {
                names.add(n);
            }
        });
        return names.toString();
    }

    static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
