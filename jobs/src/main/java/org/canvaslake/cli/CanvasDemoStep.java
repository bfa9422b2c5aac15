package org.canvaslake.cli;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;

/**
 * The Canvas REST flow in the demo: a fake Canvas serving the sandbox institution, a first snapshot, then a week later
 * ({@link Institution#evolve}) a second one, so that the history shows renamed, changed, deleted and new objects.
 */
final class CanvasDemoStep implements DemoStep {

    static final List<String> QUERIES = List.of(
            "./canvaslake sql \"SELECT course_id, course_name, valid_from, valid_to, is_current FROM canvas.courses_history"
                    + " WHERE course_id IN (SELECT course_id FROM canvas.courses_history GROUP BY course_id HAVING count(*) > 1)"
                    + " ORDER BY course_id, valid_from\"",
            "./canvaslake sql \"SELECT user_id, user_name, is_deleted, snapshot_at FROM canvas.users WHERE is_deleted\"",
            "./canvaslake sql \"SELECT run_id, get_json_object(report, '$.tables') AS counts FROM _meta.runs"
                    + " WHERE job = 'canvas' ORDER BY started_at\"");

    @Override
    public String name() {
        return "canvas REST snapshots";
    }

    @Override
    public RunReport run(SparkSession spark, Lake lake, Path work, DemoSettings settings) {
        Institution institution = settings.institution();
        try (FakeCanvasServer canvas = FakeCanvasServer.start(institution,
                FakeCanvasServer.Settings.defaults().withToken(settings.canvasToken()))) {
            RunReport first = snapshot(spark, lake, canvas);
            canvas.setSnapshot(institution.evolve(1));
            RunReport second = snapshot(spark, lake, canvas);
            first.failures().forEach(f -> second.fail("first snapshot " + f.unit(), f.message()));
            return second;
        }
    }

    private static RunReport snapshot(SparkSession spark, Lake lake, FakeCanvasServer canvas) {
        CanvasJob job = new CanvasJob();
        Options options = Options.parse(job.spec(), List.of("--lake", lake.root(), "--canvas-url", canvas.baseUrl(),
                "--canvas-token", canvas.token()));
        return job.runWith(spark, options, job.runReport(options));
    }
}
