package org.canvaslake.sandbox.dap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One table the fake DAP API serves: its columns (as JSON Schema fragments), which of them form the key, and how its
 * rows follow from a state of the synthetic {@link Institution}. A row is a flat JSON object holding the key and
 * value fields by their DAP names.
 *
 * <p>{@code extraColumns} are columns the table gains one by one when the server bumps its schema version, each
 * with a function giving its value for a row.
 */
public final class FakeDapTable {

    /** A column: its DAP name, its JSON Schema, and whether it is part of the key. */
    public record Column(String name, ObjectNode schema, boolean key) {
    }

    /** A column added by a schema version bump, and its value for an existing row. */
    public record ExtraColumn(Column column, Function<ObjectNode, Object> value) {
    }

    private final String name;
    private final String title;
    private final List<Column> columns;
    private final List<ExtraColumn> extraColumns;
    private final Function<Institution, List<ObjectNode>> rows;

    FakeDapTable(String name, String title, List<Column> columns, List<ExtraColumn> extraColumns,
                 Function<Institution, List<ObjectNode>> rows) {
        this.name = name;
        this.title = title;
        this.columns = List.copyOf(columns);
        this.extraColumns = List.copyOf(extraColumns);
        this.rows = rows;
    }

    public String name() {
        return name;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<String> keyNames() {
        return columns.stream().filter(Column::key).map(Column::name).toList();
    }

    public int maxSchemaBumps() {
        return extraColumns.size();
    }

    /** The columns after {@code bumps} schema version bumps. */
    public List<Column> columns(int bumps) {
        List<Column> out = new ArrayList<>(columns);
        extraColumns.stream().limit(bumps).map(ExtraColumn::column).forEach(out::add);
        return out;
    }

    /** The table's rows in this institution state, keyed by the canonical JSON of their key. */
    public Map<String, ObjectNode> rows(Institution institution, int bumps) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (ObjectNode row : rows.apply(institution)) {
            for (ExtraColumn extra : extraColumns.subList(0, Math.min(bumps, extraColumns.size()))) {
                Object v = extra.value().apply(row);
                row.set(extra.column().name(), v == null ? null : Json.MAPPER.valueToTree(v));
            }
            out.put(keyOf(row), row);
        }
        return out;
    }

    /** The key fields of a row as a JSON object. */
    public ObjectNode key(ObjectNode row) {
        ObjectNode key = Json.object();
        for (String k : keyNames()) {
            key.set(k, row.get(k));
        }
        return key;
    }

    String keyOf(ObjectNode row) {
        return Json.canonical(key(row));
    }

    /**
     * The versioned JSON schema as the DAP schema endpoint returns it: an object with {@code key}, {@code value}
     * and {@code meta} sub-objects, so a reader can tell the key columns from the value columns.
     */
    public ObjectNode versionedSchema(int version, int bumps) {
        ObjectNode keyProps = Json.object();
        ObjectNode valueProps = Json.object();
        for (Column c : columns(bumps)) {
            (c.key() ? keyProps : valueProps).set(c.name(), c.schema());
        }
        ObjectNode schema = Json.object().put("type", "object").put("title", title);
        ObjectNode props = schema.putObject("properties");
        ObjectNode key = props.putObject("key").put("type", "object");
        key.set("properties", keyProps);
        key.putArray("required").addAll(keyNames().stream().map(Json.MAPPER.getNodeFactory()::textNode).toList());
        key.put("additionalProperties", false);
        ObjectNode value = props.putObject("value").put("type", "object");
        value.set("properties", valueProps);
        value.put("additionalProperties", false);
        ObjectNode meta = props.putObject("meta").put("type", "object");
        ObjectNode metaProps = meta.putObject("properties");
        metaProps.putObject("ts").put("type", "string").put("format", "date-time");
        metaProps.putObject("action").put("type", "string").putArray("enum").add("U").add("D");
        schema.putArray("required").add("key");
        schema.put("additionalProperties", false);
        ObjectNode out = Json.object();
        out.set("schema", schema);
        out.put("version", version);
        return out;
    }
}
