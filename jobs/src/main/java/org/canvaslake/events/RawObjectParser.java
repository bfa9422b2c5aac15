package org.canvaslake.events;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.text.Redaction;

import com.fasterxml.jackson.databind.JsonNode;

import scala.collection.JavaConverters;

/**
 * The parse step, run inside each Spark task over a share of the raw objects: reads each object, cuts it into
 * records, redacts each record's text (tokens never get further than this), parses it with Jackson, and emits one
 * {@link ParsedRecords} row per event or quarantined record, one per object, and at the end of the task one per
 * event name with the fields and types it saw. Nothing here throws for bad input: a bad record is quarantined, an
 * unreadable object is reported on its object row.
 */
public final class RawObjectParser implements Function2<Integer, Iterator<RawObject>, Iterator<Row>> {

    private static final long serialVersionUID = 1L;
    /** Raw text kept for a quarantined record; longer text is cut (the raw object keeps all of it). */
    static final int MAX_RAW_TEXT = 1_000_000;

    private final RawObjectStore store;
    private final boolean java8Time;

    /** {@code java8Time}: the session's {@code spark.sql.datetime.java8API.enabled} (see {@link SparkTime}). */
    public RawObjectParser(RawObjectStore store, boolean java8Time) {
        this.store = store;
        this.java8Time = java8Time;
    }

    @Override
    public Iterator<Row> call(Integer partition, Iterator<RawObject> objects) {
        Task task = new Task(partition, java8Time);
        return new Iterator<>() {
            private final Deque<Row> buffer = new ArrayDeque<>();
            private boolean summarised;

            @Override
            public boolean hasNext() {
                while (buffer.isEmpty()) {
                    if (objects.hasNext()) {
                        task.object(objects.next(), store, buffer::add);
                    } else if (!summarised) {
                        summarised = true;
                        task.summary(buffer::add);
                    } else {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return buffer.poll();
            }
        };
    }

    /** Parses one object's text outside Spark (tests, tools); returns its rows followed by the field rows. */
    public static List<Row> parse(RawObject object, String text) {
        Task task = new Task(0, true);
        List<Row> rows = new ArrayList<>();
        task.text(object, text, rows::add);
        task.summary(rows::add);
        return rows;
    }

    /** What one task has seen of one event name. */
    private static final class NameStats {
        /** Types by {@link EventFields} slot (null: not seen), and by name for the columns without a slot. */
        FieldType[] bySlot = new FieldType[64];
        final Map<String, FieldType> types = new HashMap<>();
        final Map<String, Long> dates = new TreeMap<>();
        long events;
        long unparsedTimes;
        long unparsedFieldTimes;
    }

    /** The state of one parse task. */
    static final class Task {
        private final long rowIdBase;
        private long sequence;
        private final EventDecoder decoder = new EventDecoder();
        private final EventFields fields = new EventFields();
        private final Map<String, NameStats> names = new HashMap<>();
        private final MessageDigest sha256;
        private final boolean java8Time;

        Task(int partition, boolean java8Time) {
            this.rowIdBase = ((long) partition) << 36;
            this.java8Time = java8Time;
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        interface Sink {
            void add(Row row);
        }

        void object(RawObject object, RawObjectStore store, Sink out) {
            String text;
            try {
                text = store.readText(object);
            } catch (IOException | RuntimeException e) {
                Object[] row = base(ParsedRecords.OBJECT);
                row[ParsedRecords.SOURCE_OBJECT] = object.path();
                row[ParsedRecords.OBJECT_SIZE] = object.size();
                row[ParsedRecords.OBJECT_MODIFIED_AT] = SparkTime.timestamp(object.modifiedMillis() * 1000, java8Time);
                row[ParsedRecords.REASON] = "unreadable_object";
                row[ParsedRecords.DETAIL] = "Cannot read raw object " + object.path() + ": "
                        + e.getClass().getSimpleName() + ": " + e.getMessage();
                out.add(RowFactory.create(row));
                return;
            }
            text(object, text, out);
        }

        void text(RawObject object, String text, Sink out) {
            LocalDate objectDate = Instant.ofEpochMilli(object.modifiedMillis()).atZone(ZoneOffset.UTC).toLocalDate();
            long events = 0;
            long quarantined = 0;
            long line = -1;
            int index = 0;
            RecordSplitter records = new RecordSplitter(text);
            while (records.hasNext()) {
                RecordSplitter.Record record = records.next();
                if (record.line() != line) {
                    line = record.line();
                    index = 0;
                }
                String redacted = Redaction.redactData(record.text());
                if (record.broken()) {
                    out.add(quarantine(object, objectDate, line, index++, Quarantine.BROKEN_JSON, record.problem(),
                            redacted, null, null, null));
                    quarantined++;
                    continue;
                }
                JsonNode doc;
                try {
                    // from UTF-8 bytes: Jackson's byte parser read the bench's envelope lines in 2.7 us against
                    // 3.8 us from the string, the copy to bytes included (the text was decoded from UTF-8, so it
                    // holds no lone surrogate that the copy could change)
                    doc = Json.MAPPER.readTree(redacted.getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    out.add(quarantine(object, objectDate, line, index++, Quarantine.BROKEN_JSON,
                            "not valid JSON: " + EventDecoder.firstLine(e), redacted, null, null, null));
                    quarantined++;
                    continue;
                }
                List<MessageReader.Item> items = MessageReader.read(doc, redacted);
                for (MessageReader.Item item : items) {
                    if (item.problem() != null) {
                        out.add(quarantine(object, objectDate, line, index++, item.problem().reason(),
                                item.problem().detail(), redacted, null, null, null));
                        quarantined++;
                        continue;
                    }
                    IncomingMessage message = item.message();
                    EventDecoder.Result result = decoder.decode(message);
                    if (result.problem() != null) {
                        String raw = items.size() == 1 ? redacted : message.bodyText();
                        out.add(quarantine(object, objectDate, line, index++, result.problem().reason(),
                                result.problem().detail(), raw, message.messageId(), message.receivedAtMicros(),
                                message.attributes().get("event_name")));
                        quarantined++;
                        continue;
                    }
                    for (LiveEvent event : result.events()) {
                        out.add(event(object, objectDate, line, index++, message, event));
                        events++;
                    }
                }
            }
            Object[] row = base(ParsedRecords.OBJECT);
            row[ParsedRecords.SOURCE_OBJECT] = object.path();
            row[ParsedRecords.OBJECT_SIZE] = object.size();
            row[ParsedRecords.OBJECT_MODIFIED_AT] = SparkTime.timestamp(object.modifiedMillis() * 1000, java8Time);
            row[ParsedRecords.LINES] = lines(text);
            row[ParsedRecords.EVENTS] = events;
            row[ParsedRecords.QUARANTINED] = quarantined;
            out.add(RowFactory.create(row));
        }

        private Row event(RawObject object, LocalDate objectDate, long line, int index, IncomingMessage message,
                          LiveEvent event) {
            Object[] row = base(ParsedRecords.EVENT);
            row[ParsedRecords.EVENT_ID] = event.eventId();
            row[ParsedRecords.EVENT_NAME] = event.eventName();
            row[ParsedRecords.FORMAT] = event.format();
            Instant time = event.timeParsed() ? EventTime.toInstant(event.eventTimeMicros()) : null;
            row[ParsedRecords.EVENT_TIME] = event.timeParsed() ? SparkTime.timestamp(event.eventTimeMicros(), java8Time)
                    : null;
            row[ParsedRecords.EVENT_TIME_RAW] = event.eventTimeRaw();
            Instant received = message.receivedAtMicros() == null ? null
                    : EventTime.toInstant(message.receivedAtMicros());
            row[ParsedRecords.RECEIVED_AT] = received == null ? null
                    : SparkTime.timestamp(message.receivedAtMicros(), java8Time);
            row[ParsedRecords.USER_ID] = event.userId();
            row[ParsedRecords.USER_LOCAL_ID] = CanvasId.localId(event.userId());
            row[ParsedRecords.CONTEXT_TYPE] = event.contextType();
            row[ParsedRecords.CONTEXT_ID] = event.contextId();
            row[ParsedRecords.CONTEXT_LOCAL_ID] = CanvasId.localId(event.contextId());
            row[ParsedRecords.COURSE_ID] = event.courseId();
            row[ParsedRecords.COURSE_LOCAL_ID] = CanvasId.localId(event.courseId());
            row[ParsedRecords.ASSIGNMENT_ID] = event.assignmentId();
            row[ParsedRecords.ASSIGNMENT_LOCAL_ID] = CanvasId.localId(event.assignmentId());
            row[ParsedRecords.ROOT_ACCOUNT_ID] = event.rootAccountId();
            row[ParsedRecords.EVENT_JSON] = event.eventJson();
            row[ParsedRecords.SOURCE_OBJECT] = object.path();
            row[ParsedRecords.SOURCE_LINE] = line;
            row[ParsedRecords.SOURCE_INDEX] = index;
            row[ParsedRecords.MESSAGE_ID] = message.messageId();
            LocalDate dt = time != null ? time.atZone(ZoneOffset.UTC).toLocalDate()
                    : received != null ? received.atZone(ZoneOffset.UTC).toLocalDate() : objectDate;
            row[ParsedRecords.DT] = SparkTime.date(dt, java8Time);
            learn(event, dt);
            return RowFactory.create(row);
        }

        /** Records the event's fields and their types for its table's schema. */
        private void learn(LiveEvent event, LocalDate dt) {
            NameStats stats = names.computeIfAbsent(event.eventName(), n -> new NameStats());
            stats.events++;
            stats.dates.merge(dt.toString(), 1L, Long::sum);
            if (!event.timeParsed()) {
                stats.unparsedTimes++;
            }
            EventFields.Visitor visitor = new EventFields.Visitor() {
                @Override
                public void value(String column, int slot, JsonNode value) {
                    FieldType type = slot < 0 ? FieldType.of(column, value)
                            : FieldType.of(fields.timeName(slot), value);
                    seen(stats, column, slot, type);
                    if (type == FieldType.TIMESTAMP && EventTime.parseMicros(value.asText()) == EventTime.UNPARSED) {
                        stats.unparsedFieldTimes++;
                    }
                }

                @Override
                public void localId(String column, int slot, long localId) {
                    seen(stats, column, slot, FieldType.BIGINT);
                }
            };
            if (LiveEvent.CANVAS.equals(event.format())) {
                fields.canvas(event.event(), visitor);
            } else {
                fields.caliper(event.envelope(), event.event(), visitor);
            }
        }

        private static void seen(NameStats stats, String column, int slot, FieldType type) {
            if (slot < 0) {
                stats.types.merge(column, type, FieldType::merge);
                return;
            }
            if (slot >= stats.bySlot.length) {
                stats.bySlot = Arrays.copyOf(stats.bySlot, Math.max(slot + 1, stats.bySlot.length * 2));
            }
            FieldType had = stats.bySlot[slot];
            stats.bySlot[slot] = had == null ? type : had.merge(type);
        }

        private Row quarantine(RawObject object, LocalDate objectDate, long line, int index, String reason,
                               String detail, String raw, String messageId, Long receivedMicros, String eventName) {
            Object[] row = base(ParsedRecords.QUARANTINE);
            row[ParsedRecords.EVENT_ID] = quarantineId(object.path(), line, index);
            row[ParsedRecords.EVENT_NAME] = eventName;
            row[ParsedRecords.REASON] = reason;
            String text = raw;
            String note = "";
            if (text != null && text.length() > MAX_RAW_TEXT) {
                text = text.substring(0, MAX_RAW_TEXT);
                note = " (raw text cut at " + MAX_RAW_TEXT + " characters; the raw object has all of it)";
            }
            row[ParsedRecords.DETAIL] = Redaction.redact(detail) + note;
            row[ParsedRecords.RAW_TEXT] = text;
            row[ParsedRecords.SOURCE_OBJECT] = object.path();
            row[ParsedRecords.SOURCE_LINE] = line;
            row[ParsedRecords.SOURCE_INDEX] = index;
            row[ParsedRecords.MESSAGE_ID] = messageId;
            Instant received = receivedMicros == null ? null : EventTime.toInstant(receivedMicros);
            row[ParsedRecords.RECEIVED_AT] = received == null ? null : SparkTime.timestamp(receivedMicros, java8Time);
            row[ParsedRecords.DT] = SparkTime.date(received != null ? received.atZone(ZoneOffset.UTC).toLocalDate()
                    : objectDate, java8Time);
            return RowFactory.create(row);
        }

        /** A stable key for a quarantined record: where it is. */
        private String quarantineId(String object, long line, int index) {
            sha256.reset();
            return HexFormat.of().formatHex(sha256.digest((object + "\n" + line + "\n" + index)
                    .getBytes(StandardCharsets.UTF_8)));
        }

        void summary(Sink out) {
            names.forEach((name, stats) -> {
                Object[] row = base(ParsedRecords.FIELDS);
                row[ParsedRecords.EVENT_NAME] = name;
                row[ParsedRecords.EVENTS] = stats.events;
                row[ParsedRecords.UNPARSED_TIMES] = stats.unparsedTimes;
                row[ParsedRecords.UNPARSED_FIELD_TIMES] = stats.unparsedFieldTimes;
                Map<String, FieldType> seen = new TreeMap<>(stats.types);
                for (int slot = 0; slot < stats.bySlot.length; slot++) {
                    if (stats.bySlot[slot] != null) {
                        seen.merge(fields.column(slot), stats.bySlot[slot], FieldType::merge);
                    }
                }
                Map<String, String> types = new TreeMap<>();
                seen.forEach((k, v) -> types.put(k, v.name()));
                row[ParsedRecords.FIELD_TYPES] = JavaConverters.mapAsScalaMapConverter(types).asScala();
                row[ParsedRecords.DT_COUNTS] = JavaConverters.mapAsScalaMapConverter(new TreeMap<>(stats.dates))
                        .asScala();
                out.add(RowFactory.create(row));
            });
            names.clear();
        }

        private Object[] base(String kind) {
            Object[] row = new Object[ParsedRecords.WIDTH];
            row[ParsedRecords.KIND] = kind;
            row[ParsedRecords.ROW_ID] = rowIdBase + sequence++;
            return row;
        }

        private static long lines(String text) {
            if (text.isEmpty()) {
                return 0;
            }
            long n = 0;
            int i = -1;
            while ((i = text.indexOf('\n', i + 1)) >= 0) {
                n++;
            }
            return text.charAt(text.length() - 1) == '\n' ? n : n + 1;
        }
    }
}
