package org.canvaslake.bench;

import static org.canvaslake.bench.BenchmarkResult.countText;
import static org.canvaslake.bench.BenchmarkResult.ratioText;
import static org.canvaslake.bench.BenchmarkResult.secondsText;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.io.FileTrees;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.canvaslake.events.EventsJob;

/**
 * {@code canvaslake bench events}: the events job against its floor on the same generated input. Generates the
 * input once (gzip objects of 10 messages, as the lander writes them; cached in the work directory), then times
 * (b) {@link FloorReader}: gunzip + Jackson parse of every event on all cores, and (a) the events job end to end
 * into a fresh Delta lake, and reports events/s of both and the ratio a/b (target: at least 0.25).
 */
public final class EventsBenchmark implements Command {

    /** The target of issue 4: the job at least a quarter as fast as the floor. */
    public static final double TARGET_RATIO = 0.25;

    /** What to run. */
    public record Settings(long events, int batchSize, long seed, Path work, boolean keepLake) {

        public Settings {
            if (events < 1 || batchSize < 1) {
                throw new UsageException("--events and --batch-size must be at least 1, got " + events + " and "
                        + batchSize);
            }
            work = work.toAbsolutePath().normalize();
        }
    }

    /** What one run measured; rates are messages per second. */
    public record Result(long messages, long objects, long gzipBytes, int cores, double floorSeconds,
                         double jobSeconds, double sessionSeconds, String jobStatus, int exitCode, long eventsRead,
                         long duplicatesDropped, long quarantined, long liveStreamRows, Map<String, Long> stepMillis,
                         Map<String, Double> jobCpuSeconds)
            implements BenchmarkResult {

        public double floorRate() {
            return messages / floorSeconds;
        }

        public double jobRate() {
            return messages / jobSeconds;
        }

        /** Job rate over floor rate: the number issue 4 sets a target for. */
        public double ratio() {
            return jobRate() / floorRate();
        }

        @Override
        public Table table() {
            return new Table("Live-events compaction vs. the floor",
                    "canvaslake bench events --events " + messages,
                    List.of("", "seconds", "events/s", "ratio to the floor"),
                    List.of(List.of("(b) floor: gunzip + Jackson parse of every event, " + cores + " threads",
                                    secondsText(floorSeconds), countText(floorRate()), "1.000"),
                            List.of("(a) `canvaslake events` end to end into a fresh Delta lake",
                                    secondsText(jobSeconds), countText(jobRate()), ratioText(ratio()))),
                    List.of(String.format(Locale.ROOT, "%,d messages in %,d gzip objects (%.1f MB); target"
                                    + " a/b >= %.2f: %s", messages, objects, gzipBytes / 1e6, TARGET_RATIO,
                                    ratio() >= TARGET_RATIO ? "met" : "NOT met"),
                            String.format(Locale.ROOT, "job %s: %,d events read, %,d duplicates dropped, %,d"
                                    + " quarantined, %,d rows in events.live_stream; Spark session start (%.1f s) not"
                                    + " included", jobStatus, eventsRead, duplicatesDropped, quarantined,
                                    liveStreamRows, sessionSeconds),
                            "where the job's time went: " + steps(),
                            "where the job's CPU went: " + ThreadCpu.describe(jobCpuSeconds) + cpuBusy()));
        }

        /** How busy the cores were during the job: CPU seconds over wall seconds times cores. */
        public String cpuBusy() {
            double cpu = jobCpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
            return jobCpuSeconds.isEmpty() ? "" : String.format(Locale.ROOT, "; the %d cores %.0f%% busy", cores,
                    100 * cpu / (jobSeconds * cores));
        }

        /** The job's steps in run order with their seconds, from its run report ({@link EventsJob#STEP_MS}). */
        public String steps() {
            List<String> parts = new ArrayList<>();
            stepMillis.forEach((step, ms) -> parts.add(String.format(Locale.ROOT, "%s %.1f s", step.replace('_', ' '),
                    ms / 1000.0)));
            return parts.isEmpty() ? "(not reported)" : String.join(", ", parts);
        }
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec("events", "Time the events job end to end against the floor (gunzip + Jackson parse "
                + "of every event, all cores) on the same generated input", "bench events [--events N] [--work DIR]")
                .option(OptionSpec.value("events", "1000000", "Messages to generate (once; reused from the work "
                        + "directory afterwards)"))
                .option(Bench.WORK)
                .option(Bench.SEED)
                .option(OptionSpec.value("batch-size", "10", "Messages per raw object (10, as SQS delivers them)"))
                .option(Bench.KEEP_LAKE);
    }

    @Override
    public int run(Options options) throws Exception {
        Result r = measure(new Settings(options.getLong("events"), options.getInt("batch-size"),
                options.getLong("seed"), Bench.work(options), options.flag("keep-lake")), System.out);
        print(r, System.out);
        return r.exitCode();
    }

    public static Result measure(Settings s, PrintStream log) throws Exception {
        Path input = s.work().resolve("events-input-" + s.events() + "-seed" + s.seed() + "-batch" + s.batchSize());
        Path raw = input.resolve("raw/live_events");
        BenchFiles.cached(input, String.format("%,d messages", s.events()), log, dir -> {
            SandboxEventsCommand.Landed landed = SandboxEventsCommand.land(SandboxEventsCommand.generator(s.seed()),
                    s.events(), dir, s.batchSize());
            return landed.messages() + " messages in " + landed.objects() + " objects";
        });
        int cores = BenchMachine.cores();

        // (b) the floor, twice: the faster pass counts (warm JIT and page cache: a strict floor)
        FloorReader.Result floor = null;
        for (int i = 0; i < 2; i++) {
            FloorReader.Result r = FloorReader.read(raw, cores);
            log.printf("floor pass %d: %,d objects, %,d lines, %,d event bodies parsed in %.2f s%n", i + 1,
                    r.objects(), r.lines(), r.events(), r.nanos() / 1e9);
            if (floor == null || r.nanos() < floor.nanos()) {
                floor = r;
            }
        }

        // (a) the job, end to end, into a fresh lake
        long sessionStart = System.nanoTime();
        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-bench");
        double sessionSeconds = (System.nanoTime() - sessionStart) / 1e9;
        Path lake = s.work().resolve("lake-" + RunReport.newRunId());
        ThreadCpu.Snapshot cpuBefore = ThreadCpu.snapshot();
        long jobStart = System.nanoTime();
        RunReport report = Bench.runEvents(spark, lake, raw);
        long jobNanos = System.nanoTime() - jobStart;
        Map<String, Double> jobCpu = ThreadCpu.between(cpuBefore, ThreadCpu.snapshot());
        if (!s.keepLake()) {
            FileTrees.delete(lake);
        }
        return new Result(floor.lines(), floor.objects(), floor.bytes(), cores, floor.nanos() / 1e9, jobNanos / 1e9,
                sessionSeconds, report.status(), report.exitCode(), report.counter("events_read"),
                report.counter("duplicates_in_run"), report.counter("quarantined"),
                report.tableCount("events.live_stream", "inserted"), steps(report), jobCpu);
    }

    /** The {@link EventsJob#STEP_MS} counters of a run, in the order the job runs them. */
    static Map<String, Long> steps(RunReport report) {
        Map<String, Long> steps = new LinkedHashMap<>();
        for (String step : EventsJob.STEPS) {
            Long ms = report.counters().get(EventsJob.STEP_MS + step);
            if (ms != null) {
                steps.put(step, ms);
            }
        }
        return steps;
    }

    static void print(Result r, PrintStream out) {
        out.println();
        out.println("== bench events");
        out.printf("  input      %,d messages (%,d objects, %.1f MB gzip)%n", r.messages(), r.objects(),
                r.gzipBytes() / 1e6);
        out.printf("  machine    %s%n", BenchMachine.describe());
        out.printf("  (b) floor  %.2f s  %,.0f events/s  (gunzip + Jackson parse of every event, %d threads)%n",
                r.floorSeconds(), r.floorRate(), r.cores());
        out.printf("  (a) job    %.2f s  %,.0f events/s  (events job end to end into a fresh Delta lake; "
                + "Spark session start %.1f s not included)%n", r.jobSeconds(), r.jobRate(), r.sessionSeconds());
        out.printf("  ratio a/b  %.3f  (target >= %.2f)%n", r.ratio(), TARGET_RATIO);
        out.printf("  job        %s: %,d events read, %,d duplicates dropped, %,d quarantined, %,d rows in "
                + "events.live_stream%n", r.jobStatus(), r.eventsRead(), r.duplicatesDropped(), r.quarantined(),
                r.liveStreamRows());
        out.printf("  steps      %s%n", r.steps());
        out.printf("  cpu        %s%s%n", ThreadCpu.describe(r.jobCpuSeconds()), r.cpuBusy());
    }
}
