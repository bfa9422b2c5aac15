package org.canvaslake.dap;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A DAP table's versioned JSON schema, read into columns with Spark types. Columns keep their DAP names.
 *
 * <p>Two layouts are read: the table schema with {@code key}, {@code value} and {@code meta} sub-objects (the key
 * columns are those under {@code key}), and the flat layout of the API reference's example, where key and value
 * fields share one {@code properties} object (then the key is the field whose title says "Primary key", else
 * {@code id}). Entries of {@code properties} that are not schemas (the published example puts
 * {@code additionalProperties} and {@code required} there by mistake) are skipped.
 *
 * <p>Types: integer → long (int32 and smaller → int), number → double, boolean, string with format date-time →
 * timestamp, date → date, any other string → string, object and array → JSON text. Nullable forms
 * ({@code "type": ["x", "null"]}, {@code oneOf}/{@code anyOf} with null) take the non-null type.
 */
public record DapSchema(String table, int version, List<DapColumn> columns) {

    /** The column that holds values that did not fit their column's type, by column name (original text). */
    public static final String UNPARSED = "_unparsed";
    /** The record's {@code meta.ts}: when DAP last changed the row. */
    public static final String META_TS = "meta_ts";
    /** Field metadata key marking a string column that holds JSON (SQL mirrors give it a JSON type). */
    public static final String JSON_METADATA = "canvaslake.json";

    public enum Kind { LONG, INT, DOUBLE, BOOLEAN, STRING, TIMESTAMP, DATE, JSON }

    /** One column: its DAP name, whether it belongs to the key, and its type. */
    public record DapColumn(String name, boolean key, Kind kind) {

        public DataType sparkType() {
            return switch (kind) {
                case LONG -> DataTypes.LongType;
                case INT -> DataTypes.IntegerType;
                case DOUBLE -> DataTypes.DoubleType;
                case BOOLEAN -> DataTypes.BooleanType;
                case TIMESTAMP -> DataTypes.TimestampType;
                case DATE -> DataTypes.DateType;
                case STRING, JSON -> DataTypes.StringType;
            };
        }

        public Metadata metadata() {
            MetadataBuilder b = new MetadataBuilder();
            if (kind == Kind.JSON) {
                b.putBoolean(JSON_METADATA, true);
            }
            return b.build();
        }
    }

    public DapSchema {
        columns = List.copyOf(columns);
    }

    public static DapSchema parse(String table, JsonNode versioned) {
        JsonNode schema = versioned.path("schema");
        if (!schema.isObject()) {
            throw new IllegalArgumentException("The DAP schema of " + table + " has no 'schema' object: " + excerpt(versioned));
        }
        int version = versioned.path("version").asInt(0);
        JsonNode props = schema.path("properties");
        List<DapColumn> columns = new ArrayList<>();
        JsonNode key = props.path("key");
        JsonNode value = props.path("value");
        if (key.isObject() && key.path("properties").isObject()) {
            addColumns(columns, key.path("properties"), true, List.of());
            if (value.isObject()) {
                addColumns(columns, value.path("properties"), false, List.of());
            }
        } else {
            List<String> keyNames = flatKeys(props);
            addColumns(columns, props, false, keyNames);
        }
        return new DapSchema(table, version, columns);
    }

    /** Whether the schema says which columns form the key (a flat schema may not: then the records do). */
    public boolean hasKeys() {
        return columns.stream().anyMatch(DapColumn::key);
    }

    /** The same columns with these as the key (from a record's {@code key} object, for a flat schema). */
    public DapSchema withKeys(List<String> keys) {
        for (String k : keys) {
            if (columns.stream().noneMatch(c -> c.name().equals(k))) {
                throw new IllegalArgumentException("DAP table " + table + ": key field '" + k
                        + "' of its records is not in its schema " + columns.stream().map(DapColumn::name).toList());
            }
        }
        return new DapSchema(table, version, columns.stream()
                .map(c -> new DapColumn(c.name(), keys.contains(c.name()), c.kind())).toList());
    }

    void requireKeys() {
        if (!hasKeys()) {
            throw new IllegalArgumentException("Cannot tell the key columns of DAP table " + table
                    + " from its schema (no 'key' object, no 'Primary key' title, no 'id') nor from its records");
        }
    }

    private static List<String> flatKeys(JsonNode props) {
        List<String> out = new ArrayList<>();
        props.fields().forEachRemaining(e -> {
            if (e.getValue().isObject() && e.getValue().path("title").asText("").toLowerCase(Locale.ROOT)
                    .contains("primary key")) {
                out.add(e.getKey());
            }
        });
        if (out.isEmpty() && props.path("id").isObject()) {
            out.add("id");
        }
        return out;
    }

    private static void addColumns(List<DapColumn> out, JsonNode props, boolean key, List<String> keyNames) {
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isObject()) {
                continue;
            }
            out.add(new DapColumn(e.getKey(), key || keyNames.contains(e.getKey()), kindOf(e.getValue())));
        }
    }

    /** The Spark-side kind of a property's JSON schema. */
    static Kind kindOf(JsonNode schema) {
        for (String combinator : List.of("oneOf", "anyOf")) {
            JsonNode options = schema.path(combinator);
            if (options.isArray()) {
                for (JsonNode option : options) {
                    if (!"null".equals(typeName(option))) {
                        return kindOf(option);
                    }
                }
                return Kind.STRING;
            }
        }
        String type = typeName(schema);
        String format = schema.path("format").asText("");
        return switch (type) {
            case "integer" -> format.equals("int32") || format.equals("int16") || format.equals("int8") ? Kind.INT
                    : Kind.LONG;
            case "number" -> Kind.DOUBLE;
            case "boolean" -> Kind.BOOLEAN;
            case "string" -> switch (format) {
                case "date-time" -> Kind.TIMESTAMP;
                case "date" -> Kind.DATE;
                default -> Kind.STRING;
            };
            case "object", "array" -> Kind.JSON;
            default -> schema.has("properties") ? Kind.JSON : Kind.STRING;
        };
    }

    private static String typeName(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    return t.asText();
                }
            }
            return "null";
        }
        return type.asText("");
    }

    public List<String> keyNames() {
        return columns.stream().filter(DapColumn::key).map(DapColumn::name).toList();
    }

    public List<DapColumn> valueColumns() {
        return columns.stream().filter(c -> !c.key()).toList();
    }

    /**
     * The columns of {@code cd2.<table>}: key and value columns with their types, then {@value #META_TS} and
     * {@value #UNPARSED} (a JSON object of column name to the original text of values their column's type could
     * not hold, e.g. a timestamp beyond year 9999 or DAP's oversized-value placeholder in a JSON column).
     */
    public StructType tableSchema() {
        StructType out = new StructType();
        for (DapColumn c : columns) {
            out = out.add(new StructField(c.name(), c.sparkType(), !c.key(), c.metadata()));
        }
        return out.add(META_TS, DataTypes.TimestampType, true)
                .add(new StructField(UNPARSED, DataTypes.StringType, true,
                        new MetadataBuilder().putBoolean(JSON_METADATA, true).build()));
    }

    /**
     * How a JSON-lines record is first read: every leaf as text (Spark hands over numbers, objects and arrays as
     * their JSON text), so nothing is lost before each value is converted on its own.
     */
    public StructType recordSchema() {
        StructType key = new StructType();
        StructType value = new StructType();
        for (DapColumn c : columns) {
            if (c.key()) {
                key = key.add(c.name(), DataTypes.StringType);
            } else {
                value = value.add(c.name(), DataTypes.StringType);
            }
        }
        StructType meta = new StructType().add("ts", DataTypes.StringType).add("action", DataTypes.StringType);
        return new StructType().add("meta", meta).add("key", key).add("value", value);
    }

    static String excerpt(JsonNode node) {
        String s = node.toString();
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
