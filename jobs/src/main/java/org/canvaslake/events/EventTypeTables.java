package org.canvaslake.events;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The per-type tables {@code events.<event_name>}: their names, and their schema from the fields this run saw and
 * the columns the table already has. Columns a table already has keep their type (values are converted to it);
 * new fields become new columns, which the sink adds to the table and the report lists.
 */
public final class EventTypeTables {

    /** Columns every per-type table starts with, whatever the event. */
    public static final StructType COMMON = new StructType()
            .add("event_id", DataTypes.StringType, false)
            .add("event_name", DataTypes.StringType)
            .add("format", DataTypes.StringType)
            .add("event_time", DataTypes.TimestampType)
            .add("event_time_raw", DataTypes.StringType)
            .add("received_at", DataTypes.TimestampType)
            .add("source_object", DataTypes.StringType)
            .add("source_line", DataTypes.LongType)
            .add("source_index", DataTypes.IntegerType)
            .add("message_id", DataTypes.StringType)
            .add("dt", DataTypes.DateType);

    private static final Set<String> RESERVED = Set.of("live_stream", "_quarantine", "quarantine");

    private EventTypeTables() {
    }

    /** The table of an event name: {@code events.<name>} lowercased, anything but letters, digits and _ as _. */
    public static String tableName(String eventName) {
        String name = eventName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_").replaceAll("^_+", "");
        if (name.isEmpty() || Character.isDigit(name.charAt(0)) || RESERVED.contains(name)) {
            name = "e_" + name;
        }
        if (name.length() > 100) {
            name = name.substring(0, 100);
        }
        return "events." + name;
    }

    /** The schema to write and what it changes in the table. */
    public record Plan(StructType schema, Map<String, FieldType> columnTypes, List<String> newColumns,
                       List<String> conflicts) {
    }

    /**
     * @param existing the table's schema, or null when the table does not exist yet (or is being rebuilt)
     * @param seen     the fields this run saw, with their merged types
     */
    public static Plan plan(StructType existing, Map<String, FieldType> seen) {
        Map<String, StructField> have = new HashMap<>();
        if (existing != null) {
            for (StructField f : existing.fields()) {
                have.put(f.name().toLowerCase(Locale.ROOT), f);
            }
        }
        Map<String, FieldType> types = new TreeMap<>();
        List<String> added = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        for (Map.Entry<String, FieldType> e : seen.entrySet()) {
            String column = e.getKey();
            FieldType type = e.getValue() == FieldType.NULL ? FieldType.STRING : e.getValue();
            StructField old = have.get(column.toLowerCase(Locale.ROOT));
            if (old != null) {
                FieldType stored = FieldType.of(old.dataType());
                if (stored != type) {
                    conflicts.add(column + " (seen as " + type.name().toLowerCase(Locale.ROOT) + ", the table has "
                            + old.dataType().simpleString() + ": values are converted, those that do not convert are null)");
                }
                types.put(old.name(), stored);
            } else {
                if (existing != null) {
                    added.add(column);
                }
                types.put(column, type);
            }
        }
        StructType schema = COMMON;
        for (Map.Entry<String, FieldType> e : types.entrySet()) {
            if (COMMON.getFieldIndex(e.getKey()).isEmpty()) {
                schema = schema.add(e.getKey(), e.getValue().sparkType());
            }
        }
        return new Plan(schema, types, added, conflicts);
    }

    /** Event names grouped by the table they go to (two names may sanitise to one table). */
    public static Map<String, List<String>> byTable(Set<String> eventNames) {
        return eventNames.stream().collect(Collectors.groupingBy(EventTypeTables::tableName, TreeMap::new,
                Collectors.toList()));
    }
}
