package org.canvaslake.events;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Flattens one event into the columns of its {@code events.<event_name>} table, the same way in both passes of
 * the job (discovering the fields and their types, then filling the rows):
 * <ul>
 *   <li>Canvas: metadata fields as {@code meta_<field>} (except event_name and event_time, which every table has
 *       as typed columns), body fields by name, nested objects joined with {@code __}
 *       ({@code progress__completed_at});</li>
 *   <li>Caliper: the envelope's {@code sensor}, {@code send_time}, {@code data_version}, then the event's fields by
 *       path ({@code actor__id}, {@code object__assignable__id}); the {@code extensions."com.instructure.canvas"}
 *       level is shortened to {@code ext} ({@code actor__ext__user_login}); camelCase becomes snake_case.</li>
 * </ul>
 * Arrays and empty objects are kept as JSON text. Every id field ({@code *_id}, {@code id}) that holds a Canvas id
 * also gets a {@code *_local_id} bigint column (global id modulo 10^13, or the id inside a Caliper URN).
 */
public final class EventFields {

    /**
     * Receives the flattened fields of one event. Each column comes with its slot: a small number this
     * {@code EventFields} gives the column name once and then for every event it flattens ({@link #column(int)} names
     * it), so a caller can keep per-column state in an array instead of a map keyed by name; -1 for a column met after
     * {@link #MAX_NAMES} others (then only the name says which it is).
     */
    public interface Visitor {
        void value(String column, int slot, JsonNode value);

        void localId(String column, int slot, long localId);
    }

    /** Column names every per-type table has; a flattened field with one of these names gets an {@code f_} prefix. */
    public static final Set<String> COMMON_COLUMNS = Set.of("event_id", "event_name", "format", "event_time",
            "event_time_raw", "received_at", "source_object", "source_line", "source_index", "message_id", "dt");

    private static final String CANVAS_EXTENSION = "com.instructure.canvas";
    /** Ids that are not Canvas object ids: a local id column for them would mislead. */
    private static final Set<String> NOT_ENTITY_IDS = Set.of("job_id", "meta_job_id", "request_id", "meta_request_id",
            "session_id", "meta_session_id");

    /** Most (prefix, key) pairs remembered: events with ever new keys cost a little more, never more memory. */
    private static final int MAX_NAMES = 50_000;

    /**
     * What a field at some path is called, worked out once per (prefix, key): both passes flatten every event, and
     * building, hashing and checking each column name again per field was a fifth of the work.
     */
    private final class Name {
        /** The column of a scalar (or array, or empty object) value. */
        final String column;
        final int slot;
        /** The prefix of the fields of an object value. */
        final String children;
        /** The {@code *_local_id} column when this is an entity id field, else null. */
        final String localId;
        final int localIdSlot;

        Name(String name) {
            column = column(name);
            slot = slot(column);
            children = name + "__";
            localId = isIdName(column) && !NOT_ENTITY_IDS.contains(column) ? column(localIdName(column)) : null;
            localIdSlot = localId == null ? -1 : slot(localId);
        }
    }

    private final Map<String, Map<String, Name>> names = new HashMap<>();
    /** Column name to slot, and back; the slots whose column is named like a time ({@link FieldType#isTimeName}). */
    private final Map<String, Integer> slots = new HashMap<>();
    private final List<String> columns = new ArrayList<>();
    private final BitSet timeNames = new BitSet();
    private final int bodySlot = slot(column("body"));
    private final Map<String, String> extensionPrefixes = new HashMap<>();
    private int remembered;

    public void canvas(JsonNode event, Visitor visitor) {
        Iterator<Map.Entry<String, JsonNode>> meta = event.path("metadata").fields();
        while (meta.hasNext()) {
            Map.Entry<String, JsonNode> e = meta.next();
            String key = e.getKey();
            if (key.equals("event_name") || key.equals("event_time")) {
                continue;
            }
            walk(name("meta_", key), e.getValue(), false, visitor);
        }
        JsonNode body = event.get("body");
        if (body != null && body.isObject()) {
            walkChildren("", body, false, visitor);
        } else if (body != null && !body.isNull()) {
            visitor.value(columns.get(bodySlot), bodySlot, body);
        }
    }

    /** A Caliper event; {@code envelope} may be null when the event came without one. */
    public void caliper(JsonNode envelope, JsonNode item, Visitor visitor) {
        if (envelope != null) {
            Iterator<Map.Entry<String, JsonNode>> it = envelope.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("data")) {
                    walk(name("", e.getKey()), e.getValue(), true, visitor);
                }
            }
        }
        Iterator<Map.Entry<String, JsonNode>> it = item.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals("@context") || key.equals("id") || key.equals("eventTime")) {
                continue;
            }
            if (key.equals("extensions") && e.getValue().isObject()) {
                extensions("", e.getValue(), visitor);
                continue;
            }
            walk(name("", key), e.getValue(), true, visitor);
        }
    }

    private void walkChildren(String prefix, JsonNode object, boolean caliper, Visitor visitor) {
        Iterator<Map.Entry<String, JsonNode>> it = object.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (caliper && key.equals("extensions") && value.isObject()) {
                extensions(prefix, value, visitor);
                continue;
            }
            if (caliper && key.equals("@context")) {
                continue;
            }
            walk(name(prefix, key), value, caliper, visitor);
        }
    }

    /** extensions."com.instructure.canvas" holds Canvas's own fields: its path is shortened to "ext". */
    private void extensions(String prefix, JsonNode extensions, Visitor visitor) {
        String ext = extensionPrefixes.get(prefix);
        if (ext == null) {
            ext = prefix + "ext__";
            if (remembered++ < MAX_NAMES) {
                extensionPrefixes.put(prefix, ext);
            }
        }
        JsonNode canvas = extensions.get(CANVAS_EXTENSION);
        if (canvas != null && canvas.isObject()) {
            walkChildren(ext, canvas, true, visitor);
        }
        Iterator<Map.Entry<String, JsonNode>> other = extensions.fields();
        while (other.hasNext()) {
            Map.Entry<String, JsonNode> o = other.next();
            if (!o.getKey().equals(CANVAS_EXTENSION)) {
                walk(name(ext, o.getKey()), o.getValue(), true, visitor);
            }
        }
    }

    private void walk(Name name, JsonNode value, boolean caliper, Visitor visitor) {
        if (value.isObject() && value.size() > 0) {
            walkChildren(name.children, value, caliper, visitor);
            return;
        }
        visitor.value(name.column, name.slot, value);
        if (name.localId != null) {
            Long local = null;
            if (value.isTextual()) {
                local = CanvasId.localId(value.asText());
            } else if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
                local = CanvasId.local(value.longValue());
            }
            if (local != null) {
                visitor.localId(name.localId, name.localIdSlot, local);
            }
        }
    }

    /** The names of the field {@code key} under {@code prefix}: the path {@code prefix + snake(key)}. */
    private Name name(String prefix, String key) {
        Map<String, Name> under = names.get(prefix);
        Name name = under == null ? null : under.get(key);
        if (name == null) {
            name = new Name(prefix + snake(key));
            if (remembered++ < MAX_NAMES) {
                names.computeIfAbsent(prefix, p -> new HashMap<>()).put(key, name);
            }
        }
        return name;
    }

    /** The column of a slot given to a {@link Visitor}. */
    public String column(int slot) {
        return columns.get(slot);
    }

    /** Whether the column of a slot is named like a time ({@link FieldType#isTimeName}), worked out once per slot. */
    public boolean timeName(int slot) {
        return timeNames.get(slot);
    }

    private int slot(String column) {
        Integer slot = slots.get(column);
        if (slot == null) {
            if (columns.size() >= MAX_NAMES) {
                return -1;
            }
            slot = columns.size();
            slots.put(column, slot);
            columns.add(column);
            timeNames.set(slot, FieldType.isTimeName(column));
        }
        return slot;
    }

    static boolean isIdName(String column) {
        return column.equals("id") || column.endsWith("_id");
    }

    /** {@code user_id} → {@code user_local_id}, {@code actor__id} → {@code actor__local_id}, {@code id} → {@code local_id}. */
    static String localIdName(String idColumn) {
        return idColumn.substring(0, idColumn.length() - 2) + "local_id";
    }

    private static String column(String name) {
        if (COMMON_COLUMNS.contains(name)) {
            return "f_" + name;
        }
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
            return "f_" + name;
        }
        return name;
    }

    /** {@code dateCreated} → {@code date_created}; anything not a letter, digit or underscore → {@code _}. */
    static String snake(String key) {
        StringBuilder out = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char prev = i > 0 ? key.charAt(i - 1) : 'A';
                if ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9')) {
                    out.append('_');
                }
                out.append((char) (c + 32));
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                out.append(c);
            } else {
                out.append('_');
            }
        }
        return out.length() == 0 ? "_" : out.toString();
    }
}
