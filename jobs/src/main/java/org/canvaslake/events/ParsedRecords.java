package org.canvaslake.events;

import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import org.apache.spark.sql.types.StructType;

/**
 * The one fixed schema the parse step writes, whatever the input: every record of every raw object becomes one row
 * of this schema, told apart by {@code kind}. Fixed so that Spark never infers a schema from raw text.
 * <ul>
 *   <li>{@link #EVENT}: a live event, with the {@code events.live_stream} columns;</li>
 *   <li>{@link #QUARANTINE}: a record that could not be read, with reason, detail and raw text;</li>
 *   <li>{@link #OBJECT}: one per raw object read (size, lines, events, quarantined, or the error that stopped it);</li>
 *   <li>{@link #FIELDS}: per parse task and event name, the flattened fields seen with their types, the events per
 *       date and the timestamps that did not parse, so the driver learns every table's schema without another pass.</li>
 * </ul>
 * The event JSON is a string column, as the tables have it: the live stream copies it as it is, and the per-type
 * rows parse its UTF-8 bytes in place ({@link TypedRows}).
 */
public final class ParsedRecords {

    public static final String EVENT = "E";
    public static final String QUARANTINE = "Q";
    public static final String OBJECT = "O";
    public static final String FIELDS = "S";

    public static final StructType SCHEMA = new StructType()
            .add("kind", StringType, false)
            .add("row_id", LongType, false)
            .add("event_id", StringType)
            .add("event_name", StringType)
            .add("format", StringType)
            .add("event_time", TimestampType)
            .add("event_time_raw", StringType)
            .add("received_at", TimestampType)
            .add("user_id", StringType)
            .add("user_local_id", LongType)
            .add("context_type", StringType)
            .add("context_id", StringType)
            .add("context_local_id", LongType)
            .add("course_id", StringType)
            .add("course_local_id", LongType)
            .add("assignment_id", StringType)
            .add("assignment_local_id", LongType)
            .add("root_account_id", StringType)
            .add("event_json", StringType)
            .add("source_object", StringType)
            .add("source_line", LongType)
            .add("source_index", IntegerType)
            .add("message_id", StringType)
            .add("dt", DateType)
            .add("reason", StringType)
            .add("detail", StringType)
            .add("raw_text", StringType)
            .add("object_size", LongType)
            .add("object_modified_at", TimestampType)
            .add("lines", LongType)
            .add("events", LongType)
            .add("quarantined", LongType)
            .add("unparsed_times", LongType)
            .add("unparsed_field_times", LongType)
            .add("field_types", createMapType(StringType, StringType))
            .add("dt_counts", createMapType(StringType, LongType));

    static final int WIDTH = SCHEMA.size();
    static final int KIND = SCHEMA.fieldIndex("kind");
    static final int ROW_ID = SCHEMA.fieldIndex("row_id");
    static final int EVENT_ID = SCHEMA.fieldIndex("event_id");
    static final int EVENT_NAME = SCHEMA.fieldIndex("event_name");
    static final int FORMAT = SCHEMA.fieldIndex("format");
    static final int EVENT_TIME = SCHEMA.fieldIndex("event_time");
    static final int EVENT_TIME_RAW = SCHEMA.fieldIndex("event_time_raw");
    static final int RECEIVED_AT = SCHEMA.fieldIndex("received_at");
    static final int USER_ID = SCHEMA.fieldIndex("user_id");
    static final int USER_LOCAL_ID = SCHEMA.fieldIndex("user_local_id");
    static final int CONTEXT_TYPE = SCHEMA.fieldIndex("context_type");
    static final int CONTEXT_ID = SCHEMA.fieldIndex("context_id");
    static final int CONTEXT_LOCAL_ID = SCHEMA.fieldIndex("context_local_id");
    static final int COURSE_ID = SCHEMA.fieldIndex("course_id");
    static final int COURSE_LOCAL_ID = SCHEMA.fieldIndex("course_local_id");
    static final int ASSIGNMENT_ID = SCHEMA.fieldIndex("assignment_id");
    static final int ASSIGNMENT_LOCAL_ID = SCHEMA.fieldIndex("assignment_local_id");
    static final int ROOT_ACCOUNT_ID = SCHEMA.fieldIndex("root_account_id");
    static final int EVENT_JSON = SCHEMA.fieldIndex("event_json");
    static final int SOURCE_OBJECT = SCHEMA.fieldIndex("source_object");
    static final int SOURCE_LINE = SCHEMA.fieldIndex("source_line");
    static final int SOURCE_INDEX = SCHEMA.fieldIndex("source_index");
    static final int MESSAGE_ID = SCHEMA.fieldIndex("message_id");
    static final int DT = SCHEMA.fieldIndex("dt");
    static final int REASON = SCHEMA.fieldIndex("reason");
    static final int DETAIL = SCHEMA.fieldIndex("detail");
    static final int RAW_TEXT = SCHEMA.fieldIndex("raw_text");
    static final int OBJECT_SIZE = SCHEMA.fieldIndex("object_size");
    static final int OBJECT_MODIFIED_AT = SCHEMA.fieldIndex("object_modified_at");
    static final int LINES = SCHEMA.fieldIndex("lines");
    static final int EVENTS = SCHEMA.fieldIndex("events");
    static final int QUARANTINED = SCHEMA.fieldIndex("quarantined");
    static final int UNPARSED_TIMES = SCHEMA.fieldIndex("unparsed_times");
    static final int UNPARSED_FIELD_TIMES = SCHEMA.fieldIndex("unparsed_field_times");
    static final int FIELD_TYPES = SCHEMA.fieldIndex("field_types");
    static final int DT_COUNTS = SCHEMA.fieldIndex("dt_counts");

    private ParsedRecords() {
    }
}
