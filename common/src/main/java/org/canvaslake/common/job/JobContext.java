package org.canvaslake.common.job;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.report.RunReport;

/**
 * What a running job has to work with: its session, the lake, its options, the report it fills, and the lease that
 * keeps other runs of the job off the lake ({@link LakeLease#ensureHeld} before each commit; one that holds nothing
 * for a job that takes none).
 */
public record JobContext(SparkSession spark, Lake lake, Options options, RunReport report, LakeLease lease) {
}
