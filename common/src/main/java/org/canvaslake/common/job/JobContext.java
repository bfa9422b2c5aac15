package org.canvaslake.common.job;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;

/** What a running job has to work with: its session, the lake, its options and the report it fills. */
public record JobContext(SparkSession spark, Lake lake, Options options, RunReport report) {
}
