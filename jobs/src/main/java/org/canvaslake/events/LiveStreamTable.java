package org.canvaslake.events;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code events.live_stream}: one row per distinct event of either format, with the columns every consumer needs
 * (ids as strings plus their local ids, UTC event time with milliseconds, the original time text, the redacted
 * event JSON and where it was read from), partitioned by event date {@code dt}.
 */
public final class LiveStreamTable {

    public static final String NAME = "events.live_stream";

    /** The columns, in table order; the first twenty are the contract the data product builds on. */
    public static final String[] COLUMNS = {"event_id", "event_name", "format", "event_time", "event_time_raw",
            "received_at", "user_id", "user_local_id", "context_type", "context_id", "context_local_id", "course_id",
            "course_local_id", "assignment_id", "assignment_local_id", "root_account_id", "event_json",
            "source_object", "dt", "source_line", "source_index", "message_id"};

    private LiveStreamTable() {
    }

    public static Dataset<Row> rows(Dataset<Row> events) {
        return events.selectExpr(COLUMNS);
    }
}
