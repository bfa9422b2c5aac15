package org.canvaslake.events;

import java.io.Serializable;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.unsafe.Platform;

import scala.Function1;

/**
 * What one parse task cached: its {@link ParsedRecords} rows in Spark's binary row format ({@code UnsafeRow}),
 * packed one after another into chunks of {@link #CHUNK_BYTES}, and grouped by kind and event name.
 *
 * <p>Why not Spark's own cache of the DataFrame: building its column batches (a dictionary and a run-length trial of
 * every string column, buffers grown an eighth at a time around kilobyte-long JSON values) cost as much as parsing
 * the events did. Why not cached rows, one object each: a million rows kept the garbage collector marking and
 * copying them through the whole run, and a per-type table had to look at every row. Here the collector sees a few
 * hundred arrays per task, and a per-type table reads the chunks of its own event names only ({@link #events}).
 * The price is memory: strings are not dictionary-encoded, so a run's cache is about a quarter larger (Spark's
 * estimate for 300k messages: 633 MiB against 497 MiB). The cache goes to disk where memory runs short
 * ({@code MEMORY_AND_DISK}), a block at a time.
 */
final class RowBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Chunk size: a multiple of 8, and well under G1's region size (no humongous arrays). */
    static final int CHUNK_BYTES = 256 * 1024;

    private static final int FIELDS = ParsedRecords.WIDTH;

    /** Rows of one kind (and, for events, one event name). */
    private static final class Group implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String kind;
        private final List<byte[]> chunks = new ArrayList<>();
        /** Bytes used in each chunk (an int array: a boxed list cost a boxed Integer per row). */
        private int[] used = new int[4];

        Group(String kind) {
            this.kind = kind;
        }

        void add(UnsafeRow row) {
            int size = row.getSizeInBytes();
            // a row is stored as its size in a long (keeping the row 8-byte aligned), then its bytes
            int needed = 8 + size;
            int last = chunks.size() - 1;
            if (last < 0 || used[last] + needed > chunks.get(last).length) {
                chunks.add(new byte[Math.max(CHUNK_BYTES, needed)]);
                last++;
                if (last == used.length) {
                    used = Arrays.copyOf(used, used.length * 2);
                }
            }
            byte[] chunk = chunks.get(last);
            int at = used[last];
            Platform.putLong(chunk, Platform.BYTE_ARRAY_OFFSET + at, size);
            row.writeToMemory(chunk, Platform.BYTE_ARRAY_OFFSET + at + 8);
            used[last] = at + needed;
        }

        /** The group's rows, one reused {@code UnsafeRow} pointed at each in turn. */
        Iterator<InternalRow> rows() {
            return new Iterator<>() {
                private final UnsafeRow row = new UnsafeRow(FIELDS);
                private int chunk;
                private int position;

                @Override
                public boolean hasNext() {
                    while (chunk < chunks.size()) {
                        if (position < used[chunk]) {
                            return true;
                        }
                        chunk++;
                        position = 0;
                    }
                    return false;
                }

                @Override
                public InternalRow next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    byte[] bytes = chunks.get(chunk);
                    int size = (int) Platform.getLong(bytes, Platform.BYTE_ARRAY_OFFSET + position);
                    row.pointTo(bytes, Platform.BYTE_ARRAY_OFFSET + position + 8, size);
                    position += 8 + size;
                    return row;
                }
            };
        }
    }

    /** Groups by {@link #key}, in the order they were first met. */
    private final Map<String, Group> groups = new LinkedHashMap<>();

    /** A parse task's rows (external rows of {@link ParsedRecords#SCHEMA}), packed. */
    static RowBlock of(Iterator<Row> rows) {
        Encoder encoder = new Encoder();
        RowBlock block = new RowBlock();
        while (rows.hasNext()) {
            Row external = rows.next();
            String kind = external.getString(ParsedRecords.KIND);
            String name = ParsedRecords.EVENT.equals(kind) ? external.getString(ParsedRecords.EVENT_NAME) : null;
            block.groups.computeIfAbsent(key(kind, name), k -> new Group(kind)).add(encoder.apply(external));
        }
        return block;
    }

    /**
     * External rows of {@link ParsedRecords#SCHEMA} to {@code UnsafeRow}s: field by field into an
     * {@link UnsafeRowWriter} for the scalar columns every event row has, with the same conversions Spark's
     * converters make (a profile of the parse had the generic converters and the generated projection behind them at
     * several percent); rows with a map value (one per task and event name) take Spark's own path.
     */
    static final class Encoder {
        private static final int STRING = 0;
        private static final int LONG = 1;
        private static final int INT = 2;
        private static final int TIMESTAMP = 3;
        private static final int DATE = 4;
        private static final int OTHER = 5;

        private final int[] types = new int[FIELDS];
        private final UnsafeRowWriter writer = new UnsafeRowWriter(FIELDS, 1024);
        private final Function1<Object, Object> toInternal =
                CatalystTypeConverters.createToCatalystConverter(ParsedRecords.SCHEMA);
        private final UnsafeProjection unsafe = UnsafeProjection.create(ParsedRecords.SCHEMA);

        Encoder() {
            for (int i = 0; i < FIELDS; i++) {
                DataType t = ParsedRecords.SCHEMA.fields()[i].dataType();
                types[i] = t == DataTypes.StringType ? STRING : t == DataTypes.LongType ? LONG
                        : t == DataTypes.IntegerType ? INT : t == DataTypes.TimestampType ? TIMESTAMP
                        : t == DataTypes.DateType ? DATE : OTHER;
            }
        }

        UnsafeRow apply(Row row) {
            writer.reset();
            writer.zeroOutNullBytes();
            for (int i = 0; i < FIELDS; i++) {
                Object v = row.get(i);
                if (v == null) {
                    writer.setNullAt(i);
                    continue;
                }
                switch (types[i]) {
                    case STRING -> writer.write(i, UTF8String.fromString((String) v));
                    case LONG -> writer.write(i, ((Long) v).longValue());
                    case INT -> writer.write(i, ((Integer) v).intValue());
                    // the parser's Timestamps hold an instant (Timestamp.from): taken as it is, where Spark's own
                    // conversion would move a time before 1582 by the Julian calendar's days
                    case TIMESTAMP -> writer.write(i, DateTimeUtils.instantToMicros(v instanceof Instant t ? t
                            : ((Timestamp) v).toInstant()));
                    case DATE -> writer.write(i, v instanceof LocalDate d ? DateTimeUtils.localDateToDays(d)
                            : DateTimeUtils.fromJavaDate((Date) v));
                    default -> {
                        return unsafe.apply((InternalRow) toInternal.apply(row));
                    }
                }
            }
            return writer.getRow();
        }
    }

    /** The rows of these kinds ({@link ParsedRecords#EVENT}, ...). */
    Iterator<InternalRow> rows(Collection<String> kinds) {
        return concat(groups.values().stream().filter(g -> kinds.contains(g.kind)).toList());
    }

    /** The event rows ({@link ParsedRecords#EVENT}) with one of these event names. */
    Iterator<InternalRow> events(Collection<String> eventNames) {
        List<Group> selected = new ArrayList<>();
        for (String name : eventNames) {
            Group g = groups.get(key(ParsedRecords.EVENT, name));
            if (g != null) {
                selected.add(g);
            }
        }
        return concat(selected);
    }

    private static String key(String kind, String eventName) {
        return eventName == null ? kind : kind + "\u0000" + eventName;
    }

    private static Iterator<InternalRow> concat(Collection<Group> groups) {
        Iterator<Group> next = List.copyOf(groups).iterator();
        return new Iterator<>() {
            private Iterator<InternalRow> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && next.hasNext()) {
                    current = next.next().rows();
                }
                return current.hasNext();
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
