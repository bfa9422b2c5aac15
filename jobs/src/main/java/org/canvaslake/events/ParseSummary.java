package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the parse step found, collected on the driver from its small rows: every object read (for the ledger and
 * the report) and, per event name, the fields with their merged types, the events per date and the timestamps
 * that did not parse.
 */
public final class ParseSummary {

    /** One raw object as read. {@code error} is set when it could not be read at all. */
    public record ObjectRead(String path, long size, Instant modifiedAt, long lines, long events, long quarantined,
                             String error) {
        public boolean failed() {
            return error != null;
        }
    }

    /** One event name over the whole run. */
    public static final class NameSeen {
        private final Map<String, FieldType> fields = new TreeMap<>();
        private final Map<String, Long> dates = new TreeMap<>();
        private long events;
        private long unparsedTimes;
        private long unparsedFieldTimes;

        public Map<String, FieldType> fields() {
            return Collections.unmodifiableMap(fields);
        }

        public Map<String, Long> dates() {
            return Collections.unmodifiableMap(dates);
        }

        public long events() {
            return events;
        }

        public long unparsedTimes() {
            return unparsedTimes;
        }

        public long unparsedFieldTimes() {
            return unparsedFieldTimes;
        }
    }

    private final List<ObjectRead> objects;
    private final Map<String, NameSeen> names;

    private ParseSummary(List<ObjectRead> objects, Map<String, NameSeen> names) {
        this.objects = objects;
        this.names = names;
    }

    /** Collects the summary rows; the first action on the parsed data, so it also fills the cache. */
    public static ParseSummary collect(Dataset<Row> parsed) {
        List<Row> rows = parsed.where(col("kind").isin(ParsedRecords.OBJECT, ParsedRecords.FIELDS))
                .select("kind", "source_object", "object_size", "object_modified_at", "lines", "events", "quarantined",
                        "detail", "event_name", "unparsed_times", "unparsed_field_times", "field_types", "dt_counts")
                .collectAsList();
        List<ObjectRead> objects = new ArrayList<>();
        Map<String, NameSeen> names = new TreeMap<>();
        for (Row r : rows) {
            if (ParsedRecords.OBJECT.equals(r.getString(0))) {
                objects.add(new ObjectRead(r.getString(1), r.getLong(2), SparkTime.instant(r.get(3)),
                        r.isNullAt(4) ? 0 : r.getLong(4), r.isNullAt(5) ? 0 : r.getLong(5),
                        r.isNullAt(6) ? 0 : r.getLong(6), r.isNullAt(4) ? r.getString(7) : null));
            } else {
                NameSeen seen = names.computeIfAbsent(r.getString(8), n -> new NameSeen());
                seen.events += r.getLong(5);
                seen.unparsedTimes += r.getLong(9);
                seen.unparsedFieldTimes += r.getLong(10);
                Map<String, String> types = r.getJavaMap(11);
                types.forEach((field, type) -> seen.fields.merge(field, FieldType.valueOf(type), FieldType::merge));
                Map<String, Long> dates = r.getJavaMap(12);
                dates.forEach((d, n) -> seen.dates.merge(d, n, Long::sum));
            }
        }
        objects.sort((a, b) -> a.path().compareTo(b.path()));
        return new ParseSummary(objects, names);
    }

    public List<ObjectRead> objects() {
        return objects;
    }

    public List<ObjectRead> failedObjects() {
        return objects.stream().filter(ObjectRead::failed).toList();
    }

    public Map<String, NameSeen> names() {
        return Collections.unmodifiableMap(names);
    }

    public long lines() {
        return objects.stream().mapToLong(ObjectRead::lines).sum();
    }

    public long bytes() {
        return objects.stream().mapToLong(ObjectRead::size).sum();
    }

    public long events() {
        return names.values().stream().mapToLong(NameSeen::events).sum();
    }

    public long unparsedTimes() {
        return names.values().stream().mapToLong(NameSeen::unparsedTimes).sum();
    }

    public long unparsedFieldTimes() {
        return names.values().stream().mapToLong(NameSeen::unparsedFieldTimes).sum();
    }
}
