package org.canvaslake.events;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Builds the typed rows of one per-type table from live-stream rows: parses each event's JSON again (once per event
 * over the whole run: each event belongs to one table) and fills the table's columns through {@link EventFields}.
 * Input columns, in order: the {@link EventTypeTables#COMMON} columns.
 */
public final class TypedRows implements FlatMapFunction<Iterator<Row>, Row> {

    private static final long serialVersionUID = 1L;

    private final StructType schema;
    private final Map<String, FieldType> types;
    private final LongAccumulator unconverted;
    private final boolean java8Time;

    public TypedRows(StructType schema, Map<String, FieldType> types, LongAccumulator unconverted, boolean java8Time) {
        this.schema = schema;
        this.types = new HashMap<>(types);
        this.unconverted = unconverted;
        this.java8Time = java8Time;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> in) {
        Map<String, Integer> index = new HashMap<>();
        FieldType[] columnTypes = new FieldType[schema.size()];
        for (int i = EventTypeTables.COMMON.size(); i < schema.size(); i++) {
            String name = schema.fields()[i].name();
            index.put(name, i);
            columnTypes[i] = types.getOrDefault(name, FieldType.STRING);
        }
        int common = EventTypeTables.COMMON.size();
        EventFields fields = new EventFields();
        long[] failed = new long[1];
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
            public Row next() {
                Row r = in.next();
                Object[] values = new Object[schema.size()];
                for (int i = 0; i < common; i++) {
                    values[i] = r.get(i);
                }
                String format = r.getString(2);
                JsonNode event = Json.parse(r.getString(common));
                EventFields.Visitor visitor = new EventFields.Visitor() {
                    @Override
                    public void value(String column, JsonNode value) {
                        Integer i = index.get(column);
                        if (i != null) {
                            Object v = columnTypes[i].convert(value, java8Time);
                            if (v == null && !value.isNull()) {
                                failed[0]++;
                            }
                            values[i] = v;
                        }
                    }

                    @Override
                    public void localId(String column, long localId) {
                        Integer i = index.get(column);
                        if (i != null) {
                            values[i] = columnTypes[i] == FieldType.BIGINT ? (Object) localId
                                    : columnTypes[i] == FieldType.DOUBLE ? (Object) (double) localId
                                    : columnTypes[i] == FieldType.STRING ? String.valueOf(localId) : null;
                        }
                    }
                };
                if (LiveEvent.CALIPER.equals(format)) {
                    JsonNode data = event.get("data");
                    if (data != null && data.isArray() && data.size() > 0) {
                        fields.caliper(event, data.get(0), visitor);
                    } else {
                        fields.caliper(null, event, visitor);
                    }
                } else {
                    fields.canvas(event, visitor);
                }
                return RowFactory.create(values);
            }
        };
    }

    /** The input columns TypedRows expects: the common columns, then the event JSON. */
    public static List<String> inputColumns() {
        List<String> columns = new ArrayList<>(List.of(EventTypeTables.COMMON.fieldNames()));
        columns.add("event_json");
        return columns;
    }
}
