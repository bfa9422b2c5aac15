package org.canvaslake.dap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.DemoSettings;
import org.canvaslake.cli.DemoStep;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.sandbox.dap.FakeDapServer;

/**
 * The demo's Canvas Data 2 flow: the sandbox's fake DAP API starts in-process, every table is synced (snapshots),
 * the sandbox institution moves one step on (renames, a deleted user and assignment, new enrollments, regrades), and
 * a second sync applies that as incrementals. Set {@code CANVASLAKE_PG_URL} (and {@code CANVASLAKE_DB_USER}/
 * {@code CANVASLAKE_DB_PASSWORD}) to mirror into PostgreSQL as well; the demo uses no database otherwise.
 */
public final class DapDemoStep implements DemoStep {

    @Override
    public String name() {
        return "dap";
    }

    @Override
    public RunReport run(SparkSession spark, Lake lake, Path work, DemoSettings settings) {
        try (FakeDapServer dap = FakeDapServer.start(FakeDapServer.Settings.defaults().withSeed(settings.seed())
                .withSize(settings.size()).withCredentials(settings.dapClientId(), settings.dapClientSecret()))) {
            DapSyncJob job = new DapSyncJob();
            RunReport first = sync(job, spark, lake, dap);
            if (!first.succeeded()) {
                return first;
            }
            dap.advance();
            return sync(job, spark, lake, dap);
        }
    }

    private static RunReport sync(DapSyncJob job, SparkSession spark, Lake lake, FakeDapServer dap) {
        List<String> args = new ArrayList<>(List.of("sync", "--all", "--base-url", dap.baseUrl(), "--lake", lake.root(),
                "--jobs-per-minute", "600", "--poll-seconds", "0.2"));
        Map<String, String> env = Map.of("DAP_CLIENT_ID", dap.clientId(), "DAP_CLIENT_SECRET", dap.clientSecret());
        Options options = Options.parse(new DapCommand(job).spec(), args,
                name -> env.containsKey(name) ? env.get(name) : System.getenv(name), SecretResolver.aws());
        return job.runWith(spark, options, job.runReport(options));
    }

    /** Queries worth trying on what the flow wrote. */
    public static List<String> suggestions() {
        return List.of(
                "./canvaslake sql \"SELECT table_name, last_mode, last_until, rows_upserted, rows_deleted FROM "
                        + "_meta.dap_sync_state ORDER BY table_name\"",
                "./canvaslake sql \"SELECT c.name, count(*) AS students FROM cd2.enrollments e JOIN cd2.courses c "
                        + "ON c.id = e.course_id WHERE e.type = 'StudentEnrollment' GROUP BY c.name ORDER BY students DESC\"",
                "./canvaslake sql \"SELECT a.title, round(avg(s.score), 1) AS avg_score FROM cd2.submissions s JOIN "
                        + "cd2.assignments a ON a.id = s.assignment_id WHERE s.workflow_state = 'graded' GROUP BY "
                        + "a.title ORDER BY avg_score LIMIT 10\"",
                "./canvaslake sql \"SELECT id, title, _unparsed FROM cd2.assignments WHERE _unparsed IS NOT NULL\"");
    }
}
