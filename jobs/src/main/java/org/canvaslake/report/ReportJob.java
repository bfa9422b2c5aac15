package org.canvaslake.report;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.job.JobContext;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake report}: renders the pipeline run report (latest run of every job, rows per table, events per
 * day, unmatched joins, durations) as a static HTML page into the lake, {@code _meta/report/index.html} plus a
 * copy per run under {@code _meta/report/runs/}. Its own run report, which names the page and carries the row
 * counts, goes to {@code _meta.runs} and, with a topic, to SNS like every job's.
 */
public final class ReportJob extends SparkJob {

    private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);
    public static final String FOLDER = "_meta/report";

    static final OptionSpec OUTPUT = OptionSpec.value("output", null,
            "Folder for the HTML page (local or s3://); default: <lake>/" + FOLDER);

    @Override
    protected String name() {
        return "report";
    }

    /** It reads the tables and rewrites its pages whole: two runs at once leave the later run's pages. */
    @Override
    protected boolean oneRunAtATime() {
        return false;
    }

    @Override
    protected String summary() {
        return "Render the pipeline run report (runs, rows per table, events per day, unmatched joins, durations) "
                + "as a static HTML page in the lake";
    }

    @Override
    protected List<OptionSpec> jobOptions() {
        return List.of(OUTPUT);
    }

    @Override
    protected void execute(JobContext context) throws IOException {
        String folder = context.options().get("output").filter(s -> !s.isBlank())
                .orElse(context.lake().resolve(FOLDER));
        String page = write(context.spark(), context.lake(), folder, context.report());
        System.out.println("Pipeline report: " + page);
    }

    /** Reads the lake, writes index.html and the per-run copy, fills the report; returns the index page's location. */
    public static String write(SparkSession spark, Lake lake, String folder, RunReport report) throws IOException {
        long start = System.nanoTime();
        PipelineSnapshot snapshot = PipelineSnapshotReader.read(spark, lake);
        String html = ReportPage.render(snapshot);
        String index = folder + "/index.html";
        String copy = folder + "/runs/" + report.runId() + ".html";
        for (String target : List.of(index, copy)) {
            writeText(spark, target, html);
        }
        snapshot.tables().forEach(t -> report.count(t.table(), "rows", t.rows()));
        snapshot.unmatched().forEach(u -> report.counter("unmatched." + u.entity(), u.unmatched()));
        report.note("HTML report: " + index + " (this run: " + copy + ")");
        LOG.info("Wrote the pipeline report ({} runs, {} tables, {} bytes) to {} in {} ms",
                snapshot.recentRuns().size(), snapshot.tables().size(), html.length(), index,
                (System.nanoTime() - start) / 1_000_000);
        return index;
    }

    private static void writeText(SparkSession spark, String location, String text) throws IOException {
        Path path = new Path(location);
        FileSystem fs = FileSystem.get(URI.create(location), spark.sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(path, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
