package org.canvaslake.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;
import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Builds the typed rows of one per-type table from live-stream rows: parses each event's JSON again (once per event
 * over the whole run: each event belongs to one table) and fills the table's columns through {@link EventFields}.
 * Input columns, in order: the {@link EventTypeTables#COMMON} columns, then the event JSON ({@link #inputColumns}).
 *
 * <p>Works on Spark's internal rows on both sides (strings as UTF-8 bytes, timestamps as microseconds, dates as
 * days): a per-type table has ~100 columns, and converting every row from and to external {@code Row}s cost more
 * than building it.
 */
public final class TypedRows implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {

    private static final long serialVersionUID = 1L;

    private final StructType schema;
    private final Map<String, FieldType> types;
    private final LongAccumulator unconverted;

    public TypedRows(StructType schema, Map<String, FieldType> types, LongAccumulator unconverted) {
        this.schema = schema;
        this.types = new HashMap<>(types);
        this.unconverted = unconverted;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> in) {
        Map<String, Integer> index = new HashMap<>();
        FieldType[] columnTypes = new FieldType[schema.size()];
        for (int i = EventTypeTables.COMMON.size(); i < schema.size(); i++) {
            String name = schema.fields()[i].name();
            index.put(name, i);
            columnTypes[i] = types.getOrDefault(name, FieldType.STRING);
        }
        int common = EventTypeTables.COMMON.size();
        DataType[] commonTypes = new DataType[common];
        for (int i = 0; i < common; i++) {
            commonTypes[i] = EventTypeTables.COMMON.fields()[i].dataType();
        }
        int format = EventTypeTables.COMMON.fieldIndex("format");
        EventFields fields = new EventFields();
        long[] failed = new long[1];
        // per EventFields slot: the column's index in the schema, -1 when the schema has no such column, 0 not known
        // yet (0 is event_id, never a flattened field)
        int[][] slotIndex = {new int[64]};
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                boolean more = in.hasNext();
                if (!more && failed[0] > 0 && unconverted != null) {
                    unconverted.add(failed[0]);
                    failed[0] = 0;
                }
                return more;
            }

            @Override
            public InternalRow next() {
                InternalRow r = in.next();
                Object[] values = new Object[schema.size()];
                for (int i = 0; i < common; i++) {
                    // copied: the input row and its strings are reused for the next row
                    Object v = r.isNullAt(i) ? null : r.get(i, commonTypes[i]);
                    values[i] = v instanceof UTF8String s ? s.clone() : v;
                }
                JsonNode event;
                try {
                    event = readJson(r, common);
                } catch (IOException e) {
                    // the parse step read this very text as JSON: it cannot fail here
                    throw new UncheckedIOException("event JSON that parsed before does not parse now", e);
                }
                EventFields.Visitor visitor = new EventFields.Visitor() {
                    private int indexOf(String column, int slot) {
                        if (slot < 0) {
                            return index.getOrDefault(column, -1);
                        }
                        if (slot >= slotIndex[0].length) {
                            slotIndex[0] = Arrays.copyOf(slotIndex[0], Math.max(slot + 1, slotIndex[0].length * 2));
                        }
                        if (slotIndex[0][slot] == 0) {
                            slotIndex[0][slot] = index.getOrDefault(column, -1);
                        }
                        return slotIndex[0][slot];
                    }

                    @Override
                    public void value(String column, int slot, JsonNode value) {
                        int i = indexOf(column, slot);
                        if (i >= 0) {
                            Object v = columnTypes[i].convert(value);
                            if (v == null && !value.isNull()) {
                                failed[0]++;
                            }
                            values[i] = v;
                        }
                    }

                    @Override
                    public void localId(String column, int slot, long localId) {
                        int i = indexOf(column, slot);
                        if (i >= 0) {
                            values[i] = columnTypes[i] == FieldType.BIGINT ? (Object) localId
                                    : columnTypes[i] == FieldType.DOUBLE ? (Object) (double) localId
                                    : columnTypes[i] == FieldType.STRING ? UTF8String.fromString(String.valueOf(localId))
                                    : null;
                        }
                    }
                };
                if (LiveEvent.CALIPER.equals(values[format] == null ? null : values[format].toString())) {
                    JsonNode data = event.get("data");
                    if (data != null && data.isArray() && data.size() > 0) {
                        fields.caliper(event, data.get(0), visitor);
                    } else {
                        fields.caliper(null, event, visitor);
                    }
                } else {
                    fields.canvas(event, visitor);
                }
                return new GenericInternalRow(values);
            }
        };
    }

    /**
     * The JSON in a string column, parsed from its UTF-8 bytes in place when the row's bytes are an array (no copy of
     * ~1 kB per row).
     */
    private static JsonNode readJson(InternalRow row, int ordinal) throws IOException {
        if (row instanceof UnsafeRow u && u.getBaseObject() instanceof byte[] bytes) {
            long offsetAndSize = u.getLong(ordinal);
            long start = u.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET + (offsetAndSize >> 32);
            return Json.MAPPER.readTree(bytes, (int) start, (int) offsetAndSize);
        }
        return Json.MAPPER.readTree(row.getUTF8String(ordinal).getBytes());
    }

    /** The input columns TypedRows expects: the common columns, then the event JSON. */
    public static List<String> inputColumns() {
        List<String> columns = new ArrayList<>(List.of(EventTypeTables.COMMON.fieldNames()));
        columns.add("event_json");
        return columns;
    }
}
