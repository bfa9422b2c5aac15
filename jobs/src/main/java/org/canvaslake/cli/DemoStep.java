package org.canvaslake.cli;

import java.nio.file.Path;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;

/** One flow of the demo, run against the sandbox into the demo's lake. */
public interface DemoStep {

    String name();

    /**
     * Runs the flow against the sandbox the settings describe. {@code work} is a scratch directory for sandbox
     * inputs (generated events, ...). Returns the flow's run report (already recorded by the job).
     */
    RunReport run(SparkSession spark, Lake lake, Path work, DemoSettings settings) throws Exception;

    /** Runs the flow against the demo's default sandbox. */
    default RunReport run(SparkSession spark, Lake lake, Path work) throws Exception {
        return run(spark, lake, work, DemoSettings.defaults());
    }
}
