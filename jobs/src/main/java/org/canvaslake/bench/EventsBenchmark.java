package org.canvaslake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.canvaslake.events.EventsJob;

/**
 * {@code canvaslake bench events}: the events job against its floor on the same generated input. Generates the
 * input once (gzip objects of 10 messages, as the lander writes them; cached in the work directory), then times
 * (b) {@link FloorReader}: gunzip + Jackson parse of every event on all cores, and (a) the events job end to end
 * into a fresh Delta lake, and prints events/s of both and the ratio a/b.
 */
public final class EventsBenchmark implements Command {

    private static final String COMPLETE = "_COMPLETE";

    @Override
    public CommandSpec spec() {
        return new CommandSpec("events", "Time the events job end to end against the floor (gunzip + Jackson parse "
                + "of every event, all cores) on the same generated input", "bench events [--events N] [--work DIR]")
                .option(OptionSpec.value("events", "1000000", "Messages to generate (once; reused from the work "
                        + "directory afterwards)"))
                .option(OptionSpec.value("work", "./bench-data", "Work directory: the generated input and the "
                        + "benchmark's lake"))
                .option(OptionSpec.value("seed", "42", "Seed of the generated input"))
                .option(OptionSpec.value("batch-size", "10", "Messages per raw object (10, as SQS delivers them)"))
                .option(OptionSpec.flag("keep-lake", "Keep the lake the job wrote (deleted after the run otherwise)"));
    }

    @Override
    public int run(Options options) throws Exception {
        long events = options.getLong("events");
        int batch = options.getInt("batch-size");
        if (events < 1 || batch < 1) {
            throw new UsageException("--events and --batch-size must be at least 1");
        }
        long seed = options.getLong("seed");
        Path work = Path.of(options.get("work").orElse("./bench-data")).toAbsolutePath().normalize();
        Path input = work.resolve("events-input-" + events + "-seed" + seed + "-batch" + batch);
        Path raw = input.resolve("raw/live_events");
        if (!Files.exists(input.resolve(COMPLETE))) {
            System.out.printf("Generating %,d messages into %s (once) ...%n", events, input);
            deleteTree(input);
            long t = System.nanoTime();
            SandboxEventsCommand.Landed landed = SandboxEventsCommand.land(SandboxEventsCommand.generator(seed),
                    events, input, batch);
            Files.writeString(input.resolve(COMPLETE), landed.messages() + " messages in " + landed.objects()
                    + " objects\n");
            System.out.printf("  generated in %.1f s%n", (System.nanoTime() - t) / 1e9);
        } else {
            System.out.printf("Reusing the input in %s%n", input);
        }
        int cores = Runtime.getRuntime().availableProcessors();

        // (b) the floor, twice: the faster pass counts (warm JIT and page cache: a strict floor)
        FloorReader.Result floor = null;
        for (int i = 0; i < 2; i++) {
            FloorReader.Result r = FloorReader.read(raw, cores);
            System.out.printf("floor pass %d: %,d objects, %,d lines, %,d event bodies parsed in %.2f s%n", i + 1,
                    r.objects(), r.lines(), r.events(), r.nanos() / 1e9);
            if (floor == null || r.nanos() < floor.nanos()) {
                floor = r;
            }
        }

        // (a) the job, end to end, into a fresh lake
        long sessionStart = System.nanoTime();
        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-bench");
        double sessionSeconds = (System.nanoTime() - sessionStart) / 1e9;
        Path lake = work.resolve("lake-" + RunReport.newRunId());
        EventsJob job = new EventsJob();
        Options jobOptions = Options.parse(job.spec(), List.of("--lake", lake.toString(), "--raw", raw.toString()));
        long jobStart = System.nanoTime();
        RunReport report = job.runWith(spark, jobOptions, job.runReport(jobOptions));
        long jobNanos = System.nanoTime() - jobStart;
        if (!options.flag("keep-lake")) {
            deleteTree(lake);
        }

        double floorRate = floor.eventsPerSecond();
        double jobRate = floor.lines() / (jobNanos / 1e9);
        System.out.println();
        System.out.println("== bench events");
        System.out.printf("  input      %,d messages (%,d objects, %.1f MB gzip) in %s%n", floor.lines(),
                floor.objects(), floor.bytes() / 1e6, raw);
        System.out.printf("  machine    %d cores, JVM max heap %.1f GB, Java %s, Spark %s (%s)%n", cores,
                Runtime.getRuntime().maxMemory() / 1e9, System.getProperty("java.version"), spark.version(),
                spark.sparkContext().master());
        System.out.printf("  (b) floor  %.2f s  %,.0f events/s  (gunzip + Jackson parse of every event, %d threads)%n",
                floor.nanos() / 1e9, floorRate, cores);
        System.out.printf("  (a) job    %.2f s  %,.0f events/s  (events job end to end into a fresh Delta lake; "
                + "Spark session start %.1f s not included)%n", jobNanos / 1e9, jobRate, sessionSeconds);
        System.out.printf("  ratio a/b  %.3f  (target >= 0.25)%n", jobRate / floorRate);
        System.out.printf("  job        %s: %,d events read, %,d duplicates dropped, %,d quarantined, %,d rows in "
                + "events.live_stream%n", report.status(), report.counter("events_read"),
                report.counter("duplicates_in_run"), report.counter("quarantined"),
                report.tableCount("events.live_stream", "inserted"));
        return report.exitCode();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
