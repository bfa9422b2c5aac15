package org.canvaslake.common.report;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;

/** {@code _meta.runs}: one row per run of any job, with the whole report as JSON. */
public final class RunLog {

    public static final String TABLE = "_meta.runs";

    static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("job", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("started_at", DataTypes.TimestampType, false)
            .add("finished_at", DataTypes.TimestampType, true)
            .add("duration_ms", DataTypes.LongType, false)
            .add("failures", DataTypes.IntegerType, false)
            .add("report", DataTypes.StringType, false)
            .add("dt", DataTypes.DateType, false);

    private RunLog() {
    }

    public static void append(SparkSession spark, Lake lake, RunReport report) {
        Row row = RowFactory.create(report.runId(), report.job(), report.status(),
                Timestamp.from(report.startedAt()),
                report.finishedAt() == null ? null : Timestamp.from(report.finishedAt()),
                report.duration().toMillis(), report.failures().size(), report.toJson().toString(),
                Date.valueOf(report.startedAt().atZone(ZoneOffset.UTC).toLocalDate()));
        Dataset<Row> rows = spark.createDataFrame(List.of(row), SCHEMA);
        DeltaTables.append(rows, lake.table(TABLE), List.of("dt"));
    }
}
