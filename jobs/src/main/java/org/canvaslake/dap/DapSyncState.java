package org.canvaslake.dap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;

/**
 * {@code _meta.dap_sync_state}: per DAP table, where the lake's copy stands. {@code last_until} is the exact text DAP
 * returned as the last job's {@code at}/{@code until}, and the next incremental query's {@code since}: the chain has
 * no gap and no overlap. A row is written only after the data it describes is in {@code cd2.<table>} (and the SQL
 * mirrors), so a run killed in between repeats the same query, whose re-application changes nothing.
 *
 * <p>Tables sync in parallel threads of one run and share this table; its writes are serialised here. Two runs of
 * the same namespace against one lake at the same time are not supported (the scheduler runs one at a time).
 */
public final class DapSyncState {

    public static final String TABLE = "_meta.dap_sync_state";

    static final StructType SCHEMA = new StructType()
            .add("namespace", DataTypes.StringType, false)
            .add("table_name", DataTypes.StringType, false)
            .add("schema_version", DataTypes.IntegerType, true)
            .add("last_until", DataTypes.StringType, false)
            .add("last_until_ts", DataTypes.TimestampType, true)
            .add("last_job_id", DataTypes.StringType, true)
            .add("last_mode", DataTypes.StringType, false)
            .add("records", DataTypes.LongType, false)
            .add("rows_upserted", DataTypes.LongType, false)
            .add("rows_deleted", DataTypes.LongType, false)
            .add("columns", DataTypes.StringType, true)
            .add("updated_at", DataTypes.TimestampType, false);

    /** One table's position. {@code columns} lists the column names the lake table had after this sync. */
    public record TableState(String namespace, String table, Integer schemaVersion, String lastUntil, String lastJobId,
                             String lastMode, long records, long rowsUpserted, long rowsDeleted, List<String> columns,
                             Instant updatedAt) {
    }

    private final SparkSession spark;
    private final Lake lake;

    public DapSyncState(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.lake = lake;
    }

    /** Every table's state in the namespace. */
    public Map<String, TableState> load(String namespace) {
        Map<String, TableState> out = new LinkedHashMap<>();
        String path = lake.table(TABLE);
        if (!DeltaTables.exists(spark, path)) {
            return out;
        }
        for (Row r : DeltaTables.read(spark, path).where(col("namespace").equalTo(namespace)).collectAsList()) {
            String cols = r.getAs("columns");
            Timestamp updated = r.getAs("updated_at");
            out.put(r.getAs("table_name"), new TableState(r.getAs("namespace"), r.getAs("table_name"),
                    r.getAs("schema_version"), r.getAs("last_until"), r.getAs("last_job_id"), r.getAs("last_mode"),
                    r.<Long>getAs("records"), r.<Long>getAs("rows_upserted"), r.<Long>getAs("rows_deleted"),
                    cols == null || cols.isEmpty() ? List.of() : List.of(cols.split(",")), updated.toInstant()));
        }
        return out;
    }

    /** Records a table's new position (replacing its previous row) in one commit. */
    public void save(TableState state) {
        Instant until = parseOrNull(state.lastUntil());
        Row row = RowFactory.create(state.namespace(), state.table(), state.schemaVersion(), state.lastUntil(),
                until == null ? null : Timestamp.from(until), state.lastJobId(), state.lastMode(), state.records(),
                state.rowsUpserted(), state.rowsDeleted(), String.join(",", state.columns()),
                Timestamp.from(state.updatedAt()));
        Dataset<Row> source = spark.createDataFrame(List.of(row), SCHEMA);
        String path = lake.table(TABLE);
        synchronized (DapSyncState.class) {
            if (!DeltaTables.exists(spark, path)) {
                DeltaTables.append(source, path, List.of());
            } else {
                // a few hundred rows at most: rewriting them in one commit costs less than a MERGE's joins
                Dataset<Row> others = DeltaTables.read(spark, path).where(not(col("namespace")
                        .equalTo(state.namespace()).and(col("table_name").equalTo(state.table()))));
                DeltaTables.overwrite(others.unionByName(source), path, List.of());
            }
        }
        LakeCatalog.register(spark, lake, TABLE);
    }

    private static Instant parseOrNull(String text) {
        try {
            return Instant.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
