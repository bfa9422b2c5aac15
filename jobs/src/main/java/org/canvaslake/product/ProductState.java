package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;

/**
 * {@code _meta.product_state}: per product table, the last version of its events table that is fully in it, and
 * the settings it was built with. Written only after the product's own commit, so a run killed in between
 * re-processes the same commits, which the MERGE by event id absorbs.
 *
 * @param eventsVersion the events table's Delta version the product reflects (inclusive)
 * @param entitySource  rest, cd2 or none
 * @param pseudonymize  none or user
 * @param keyFingerprint fingerprint of the pseudonymisation key ("" when none)
 */
public record ProductState(String productTable, String eventsTable, long eventsVersion, String entitySource,
                           String pseudonymize, String keyFingerprint, String runId, Instant updatedAt) {

    public static final String TABLE = "_meta.product_state";

    static final StructType SCHEMA = new StructType()
            .add("product_table", DataTypes.StringType, false)
            .add("events_table", DataTypes.StringType, false)
            .add("events_version", DataTypes.LongType, false)
            .add("entity_source", DataTypes.StringType, false)
            .add("pseudonymize", DataTypes.StringType, false)
            .add("key_fingerprint", DataTypes.StringType, false)
            .add("run_id", DataTypes.StringType, false)
            .add("updated_at", DataTypes.TimestampType, false);

    public static Optional<ProductState> read(SparkSession spark, Lake lake, String productTable) {
        String path = lake.table(TABLE);
        if (!DeltaTables.exists(spark, path)) {
            return Optional.empty();
        }
        List<Row> rows = DeltaTables.read(spark, path).where(col("product_table").equalTo(productTable))
                .collectAsList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Row r = rows.get(0);
        return Optional.of(new ProductState(r.getString(0), r.getString(1), r.getLong(2), r.getString(3),
                r.getString(4), r.getString(5), r.getString(6), r.getTimestamp(7).toInstant()));
    }

    public void write(SparkSession spark, Lake lake) {
        Row row = RowFactory.create(productTable, eventsTable, eventsVersion, entitySource, pseudonymize,
                keyFingerprint, runId, Timestamp.from(updatedAt));
        String path = lake.table(TABLE);
        List<Row> rows = new ArrayList<>();
        if (DeltaTables.exists(spark, path)) {
            // a handful of rows (one per product table): rewriting them is cheaper than a MERGE
            rows.addAll(DeltaTables.read(spark, path).where(col("product_table").notEqual(productTable))
                    .select(Arrays.stream(SCHEMA.fieldNames()).map(c -> col(c)).toArray(Column[]::new))
                    .collectAsList());
        }
        rows.add(row);
        DeltaTables.overwrite(spark.createDataFrame(rows, SCHEMA), path, List.of());
    }

    /** Why a run with these settings cannot continue incrementally from this state; empty when it can. */
    Optional<String> incompatibility(String source, String pseudonymizeMode, String fingerprint) {
        if (!entitySource.equals(source)) {
            return Optional.of("the entity source changed from " + entitySource + " to " + source);
        }
        if (!pseudonymize.equals(pseudonymizeMode)) {
            return Optional.of("pseudonymisation changed from " + pseudonymize + " to " + pseudonymizeMode);
        }
        if (!keyFingerprint.equals(fingerprint)) {
            return Optional.of("the pseudonymisation key changed (fingerprint " + keyFingerprint + " -> "
                    + fingerprint + ")");
        }
        return Optional.empty();
    }
}
