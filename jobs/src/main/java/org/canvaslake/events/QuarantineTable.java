package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code events._quarantine}: every record the job could not turn into an event, with why (reason code and a
 * sentence), where (object, line, position on the line) and what (the raw text, redacted). Keyed by place, so
 * reading the same object again changes nothing.
 */
public final class QuarantineTable {

    public static final String NAME = "events._quarantine";

    private QuarantineTable() {
    }

    public static Dataset<Row> rows(Dataset<Row> parsed, String runId) {
        return parsed.where(col("kind").equalTo(ParsedRecords.QUARANTINE))
                .select(col("event_id").as("quarantine_id"), col("reason"), col("detail"), col("source_object"),
                        col("source_line"), col("source_index"), col("message_id"), col("event_name"),
                        col("received_at"), col("raw_text"), lit(runId).as("run_id"), col("dt"));
    }
}
