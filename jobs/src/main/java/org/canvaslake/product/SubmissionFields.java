package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;

/**
 * Submission details that only the typed event tables hold ({@code events.submission_created} and
 * {@code events.submission_updated}, whose columns are the event body's fields by name, as
 * {@link org.canvaslake.events.EventFields} flattens them): when it was submitted, Canvas's late flag, the attempt and
 * the score. Each field is read only where the typed table has it.
 */
final class SubmissionFields {

    static final List<String> TABLES = List.of("events.submission_created", "events.submission_updated");

    /** product column → typed-table column */
    static final Map<String, String> FIELDS = Map.of(
            "submission_submitted_at", "submitted_at",
            "submission_late", "late",
            "submission_attempt", "attempt",
            "submission_score", "score");

    static final List<String> COLUMNS = List.of("submission_submitted_at", "submission_late", "submission_attempt",
            "submission_score");

    private SubmissionFields() {
    }

    /**
     * The fields per event id, or empty when no typed submission table exists. {@code onlyIds} restricts the read
     * to the given events (an incremental run's batch), so the cost follows the batch.
     */
    static Optional<Dataset<Row>> read(SparkSession spark, Lake lake, Optional<Dataset<Row>> onlyIds,
                                       List<String> notes) {
        Dataset<Row> all = null;
        for (String table : TABLES) {
            String path = lake.table(table);
            if (!DeltaTables.exists(spark, path)) {
                continue;
            }
            Dataset<Row> typed = DeltaTables.read(spark, path);
            Set<String> have = new HashSet<>(Arrays.asList(typed.columns()));
            if (!have.contains("event_id")) {
                notes.add(table + " has no event_id column; its submission fields are not used");
                continue;
            }
            List<Column> cols = new ArrayList<>();
            cols.add(col("event_id"));
            List<String> absent = new ArrayList<>();
            for (String c : COLUMNS) {
                String source = FIELDS.get(c);
                if (have.contains(source)) {
                    cols.add(col(source).cast(ProductSchema.byName().get(c).type()).as(c));
                } else {
                    absent.add(source);
                    cols.add(lit(null).cast(ProductSchema.byName().get(c).type()).as(c));
                }
            }
            if (!absent.isEmpty()) {
                notes.add(table + " has no " + absent + "; those submission columns stay empty for its events");
            }
            Dataset<Row> part = typed.select(cols.toArray(Column[]::new));
            all = all == null ? part : all.unionByName(part);
        }
        if (all == null) {
            notes.add("no typed submission tables (" + String.join(", ", TABLES) + "): submission_late is "
                    + "derived from the due date, attempt and score stay empty");
            return Optional.empty();
        }
        if (onlyIds.isPresent()) {
            all = all.join(onlyIds.get().select("event_id").distinct(), "event_id");
        }
        return Optional.of(DeltaTables.latestPerKey(all, List.of("event_id"), col("submission_submitted_at")
                .desc_nulls_last()));
    }
}
