package org.canvaslake.events;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.DemoSettings;
import org.canvaslake.cli.DemoStep;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.sandbox.LiveEventGenerator;

/**
 * The demo's live-events flow: 20,000 sandbox events landed into the lake's {@code raw/live_events} through the
 * lander's code (gzip objects of 10 messages), then the events job. Landing is deterministic (same objects under the
 * same names), so a second demo finds nothing new to compact.
 */
public final class EventsDemoStep implements DemoStep {

    /** Queries the demo suggests for the events tables. */
    public static final List<String> SUGGESTIONS = List.of(
            "./canvaslake sql \"SELECT event_name, format, count(*) AS events FROM events.live_stream "
                    + "GROUP BY 1, 2 ORDER BY 3 DESC\"",
            "./canvaslake sql \"SELECT reason, count(*) FROM events._quarantine GROUP BY reason\"");

    @Override
    public String name() {
        return "events";
    }

    @Override
    public RunReport run(SparkSession spark, Lake lake, Path work, DemoSettings settings) throws Exception {
        // a lake elsewhere (s3://) gets the generated objects through a local directory and --raw
        Path landing = lake.isLocal() ? lake.localRoot() : work.resolve("events-landing");
        SandboxEventsCommand.Landed landed = SandboxEventsCommand.land(
                new LiveEventGenerator(settings.institution(), settings.seed()), settings.events(), landing, 10);
        System.out.printf("Landed %,d sandbox live events in %,d objects under %s%n", landed.messages(),
                landed.objects(), landing.resolve("raw/live_events"));
        EventsJob job = new EventsJob();
        List<String> args = lake.isLocal() ? List.of("--lake", lake.root())
                : List.of("--lake", lake.root(), "--raw", landing.resolve("raw/live_events").toString());
        Options options = Options.parse(job.spec(), args);
        return job.runWith(spark, options, job.runReport(options));
    }
}
