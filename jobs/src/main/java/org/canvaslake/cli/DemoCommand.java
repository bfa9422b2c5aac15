package org.canvaslake.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.job.CommonOptions;
import org.canvaslake.common.job.Failures;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunLog;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.spark.SparkSessionFactory;

/**
 * {@code canvaslake demo}: every flow that exists, in order, against the sandbox, into ./lake; then a summary of
 * what was written and what to query next.
 */
public final class DemoCommand implements Command {

    @Override
    public CommandSpec spec() {
        return new CommandSpec("demo",
                "Run every flow against the sandbox (no AWS, no Canvas needed) into the lake and summarise it",
                "demo [--lake DIR]")
                .option(CommonOptions.LAKE);
    }

    @Override
    public int run(Options options) throws Exception {
        Lake lake = Lake.at(options.get("lake").orElse("./lake"));
        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-demo");
        return pipeline(spark, lake, DemoSettings.defaults()).exitCode();
    }

    /**
     * Every flow in order against the sandbox the settings describe, into the lake; prints what each did and the
     * summary, records the demo's own report in {@code _meta.runs} and returns it.
     */
    public static RunReport pipeline(SparkSession spark, Lake lake, DemoSettings settings) throws IOException {
        RunReport demo = RunReport.start("demo");
        Path work = Files.createDirectories(lake.isLocal() ? lake.localRoot().resolve("_demo_work")
                : Files.createTempDirectory("canvaslake-demo"));
        List<DemoStep> steps = DemoSteps.all();
        System.out.println("Canvas Lake demo: " + steps.size() + " flow(s) into " + lake);
        for (DemoStep step : steps) {
            System.out.println("\n--- " + step.name() + " ---");
            long start = System.nanoTime();
            try {
                RunReport r = step.run(spark, lake, work, settings);
                demo.count(step.name(), "duration_ms", (System.nanoTime() - start) / 1_000_000);
                if (!r.succeeded()) {
                    r.failures().forEach(f -> demo.fail(step.name() + "/" + f.unit(), f.message()));
                }
            } catch (Exception e) {
                demo.fail(step.name(), Failures.describe(e));
            }
        }
        demo.finish();
        RunLog.append(spark, lake, demo);
        System.out.println();
        System.out.print(summary(spark, lake, demo));
        return demo;
    }

    static String summary(SparkSession spark, Lake lake, RunReport demo) {
        StringBuilder out = new StringBuilder("== Canvas Lake demo " + demo.status().toUpperCase() + "\n");
        List<String> tables = LakeCatalog.registerAll(spark, lake);
        out.append("Tables in ").append(lake).append(":\n");
        List<String> rows = new ArrayList<>();
        for (String t : tables) {
            long n = DeltaTables.read(spark, lake.table(t)).count();
            rows.add(String.format("  %-40s %,12d rows   %s", t, n, lake.table(t)));
        }
        rows.forEach(r -> out.append(r).append('\n'));
        demo.failures().forEach(f -> out.append("  FAILED ").append(f.unit()).append(": ").append(f.message()).append('\n'));
        out.append("\nQuery next, for example:\n")
                .append("  ./canvaslake sql \"SELECT job, status, duration_ms FROM _meta.runs ORDER BY started_at\"\n");
        DemoSteps.suggestions().forEach(s -> out.append("  ").append(s).append('\n'));
        return out.toString();
    }
}
