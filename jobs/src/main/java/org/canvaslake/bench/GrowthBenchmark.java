package org.canvaslake.bench;

import static org.canvaslake.bench.BenchmarkResult.countText;
import static org.canvaslake.bench.BenchmarkResult.ratioText;
import static org.canvaslake.bench.BenchmarkResult.secondsText;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

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
import org.canvaslake.sandbox.Institution;

/**
 * {@code canvaslake bench growth} (issue 9): does an hourly {@code canvaslake events} run get slower as the lake
 * grows? Generates {@code --days} days of hourly raw objects, then 12 hours of the next day and one more hour (noon)
 * with the sandbox generator (cached in the work directory), compacts everything before noon once (not timed), then
 * times, side by side in the same run, the
 * incremental run that picks up the one new hour on that lake against the same hour into a fresh lake. The ratio
 * of the two is the cost of history; the target is below 2.
 *
 * <p>Each side runs {@code --repeat} times in alternating order on a fresh copy of its lake, and the fastest run of
 * each side counts: single runs of a few seconds are at the mercy of the machine's other work.
 */
public final class GrowthBenchmark implements Command {

    /** The target of issue 9: one hour on top of the history costs less than twice the same hour alone. */
    public static final double TARGET_RATIO = 2.0;
    /** The new hour's hour of day (UTC). */
    static final int NEW_HOUR = 12;

    /** What to run. */
    public record Settings(int days, long eventsPerDay, int batchSize, long seed, int repeat, Path work,
                           boolean keepLake) {

        public Settings {
            if (days < 1 || batchSize < 1 || eventsPerDay < 24L * batchSize || repeat < 1) {
                throw new UsageException("bench growth needs --days >= 1, --batch-size >= 1, --events-per-day >= 24 x"
                        + " --batch-size (a raw object an hour at least) and --repeat >= 1; got " + days + ", "
                        + batchSize + ", " + eventsPerDay + ", " + repeat);
            }
            work = work.toAbsolutePath().normalize();
        }
    }

    /** One timed events run. */
    public record Run(double seconds, long objectsListed, long objectsRead, long messages, String status) {
    }

    /** What one benchmark run measured. */
    public record Result(int days, long eventsPerDay, long historyObjects, long historyMessages,
                         double historySeconds, List<Run> fresh, List<Run> onHistory) implements BenchmarkResult {

        public Result {
            fresh = List.copyOf(fresh);
            onHistory = List.copyOf(onHistory);
        }

        public Run bestFresh() {
            return Collections.min(fresh, (a, b) -> Double.compare(a.seconds(), b.seconds()));
        }

        public Run bestOnHistory() {
            return Collections.min(onHistory, (a, b) -> Double.compare(a.seconds(), b.seconds()));
        }

        /** Time of the hour on the history over the time of the same hour alone: the number issue 9 targets. */
        public double ratio() {
            return bestOnHistory().seconds() / bestFresh().seconds();
        }

        /** Every run succeeded. */
        public boolean succeeded() {
            return fresh.stream().allMatch(r -> r.status().equals("succeeded"))
                    && onHistory.stream().allMatch(r -> r.status().equals("succeeded"));
        }

        @Override
        public Table table() {
            Run f = bestFresh();
            Run h = bestOnHistory();
            return new Table("Growth: one new hour on " + days + " days of history vs. the same hour alone",
                    "canvaslake bench growth --days " + days + " --events-per-day " + eventsPerDay,
                    List.of("incremental `canvaslake events` run", "seconds (best of " + fresh.size() + ")",
                            "raw objects listed", "raw objects read", "messages", "ratio"),
                    List.of(List.of("the hour into a fresh lake", secondsText(f.seconds()),
                                    countText(f.objectsListed()), countText(f.objectsRead()), countText(f.messages()),
                                    "1.000"),
                            List.of("the same hour on " + days + " days of history", secondsText(h.seconds()),
                                    countText(h.objectsListed()), countText(h.objectsRead()), countText(h.messages()),
                                    ratioText(ratio()))),
                    List.of(String.format(Locale.ROOT, "history: %,d messages in %,d objects over %d days and %d hours,"
                                    + " compacted once beforehand in %.1f s (not timed); target ratio < %.1f: %s",
                                    historyMessages, historyObjects, days, NEW_HOUR, historySeconds, TARGET_RATIO,
                                    ratio() < TARGET_RATIO ? "met" : "NOT met"),
                            "every run: fresh " + secondsList(fresh) + "; on history " + secondsList(onHistory)));
        }

        private static String secondsList(List<Run> runs) {
            return runs.stream().map(r -> secondsText(r.seconds()) + " s").toList().toString();
        }
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec("growth", "Time an incremental events run over one new hour on a lake holding --days "
                + "days of history against the same hour into a fresh lake (issue 9: ratio < 2)",
                "bench growth [--days 30] [--events-per-day N] [--repeat N] [--work DIR]")
                .option(OptionSpec.value("days", "30", "Days of hourly history compacted before the timed runs"))
                .option(OptionSpec.value("events-per-day", "3000", "Messages per day of history (and the new "
                        + "hour gets a 24th of it); generated once, reused from the work directory afterwards"))
                .option(OptionSpec.value("repeat", "2", "Timed runs of each side, in alternating order; the fastest "
                        + "of each side counts"))
                .option(OptionSpec.value("batch-size", "10", "Messages per raw object (10, as SQS delivers them)"))
                .option(Bench.WORK)
                .option(Bench.SEED)
                .option(Bench.KEEP_LAKE);
    }

    @Override
    public int run(Options options) throws Exception {
        Result r = measure(new Settings(options.getInt("days"), options.getLong("events-per-day"),
                options.getInt("batch-size"), options.getLong("seed"), options.getInt("repeat"), Bench.work(options),
                options.flag("keep-lake")), System.out);
        print(r, System.out);
        return r.succeeded() ? 0 : 1;
    }

    public static Result measure(Settings s, PrintStream log) throws Exception {
        Path input = s.work().resolve("growth-input-" + s.days() + "d-" + s.eventsPerDay() + "-seed" + s.seed()
                + "-batch" + s.batchSize() + "-hour" + NEW_HOUR);
        BenchFiles.cached(input, String.format("%d days + %d hours + 1 hour of %,d messages a day", s.days(),
                NEW_HOUR, s.eventsPerDay()), log, dir -> generate(dir, s));
        Path historyInput = input.resolve("history");
        Path hourInput = input.resolve("hour");

        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-bench");
        Path root = s.work().resolve("growth-" + RunReport.newRunId());
        try {
            // the history lake reads its raw objects from raw/, the new hour is added there afterwards, so the
            // timed run lists the history's recent date folders and finds their objects in the ledger, as in
            // production
            Path raw = root.resolve("raw");
            FileTrees.copy(historyInput, raw);
            Path history = root.resolve("history-lake");
            long t = System.nanoTime();
            RunReport compacted = Bench.runEvents(spark, history, raw);
            double historySeconds = (System.nanoTime() - t) / 1e9;
            if (compacted.exitCode() != 0) {
                throw new IllegalStateException("Compacting the history for bench growth failed: "
                        + compacted.toText());
            }
            log.printf("history: %,d messages in %,d objects compacted in %.1f s (not timed)%n",
                    compacted.counter("raw_lines"), compacted.counter("raw_objects"), historySeconds);
            FileTrees.copy(hourInput, raw);

            List<Run> fresh = new ArrayList<>();
            List<Run> onHistory = new ArrayList<>();
            for (int i = 0; i < s.repeat(); i++) {
                Path trial = root.resolve("trial-" + (i + 1));
                // alternate which side goes first: neither always gets the warmer JVM or the quieter minute
                for (boolean historyFirst : i % 2 == 0 ? new boolean[]{true, false} : new boolean[]{false, true}) {
                    if (historyFirst) {
                        Path lake = trial.resolve("on-history");
                        FileTrees.copy(history, lake);
                        onHistory.add(timed(spark, lake, raw, log, "on history"));
                    } else {
                        fresh.add(timed(spark, trial.resolve("fresh"), hourInput, log, "fresh"));
                    }
                }
                if (!s.keepLake()) {
                    FileTrees.delete(trial);
                }
            }
            return new Result(s.days(), s.eventsPerDay(), compacted.counter("raw_objects"),
                    compacted.counter("raw_lines"), historySeconds, fresh, onHistory);
        } finally {
            if (!s.keepLake()) {
                FileTrees.delete(root);
            }
        }
    }

    private static Run timed(SparkSession spark, Path lake, Path raw, PrintStream log, String side) {
        long t = System.nanoTime();
        RunReport report = Bench.runEvents(spark, lake, raw);
        double seconds = (System.nanoTime() - t) / 1e9;
        Run run = new Run(seconds, report.counter("raw_objects_listed"), report.counter("raw_objects"),
                report.counter("raw_lines"), report.status());
        log.printf("  %-10s %6.2f s: %,d objects listed, %,d read, %,d messages (%s)%n", side, seconds,
                run.objectsListed(), run.objectsRead(), run.messages(), run.status());
        return run;
    }

    /**
     * Lands {@code days + 2} days of messages and 5% more; hour {@link #NEW_HOUR} of day {@code days} is the new hour,
     * everything received before it the history (the rest is dropped). A mid-day hour, not midnight: most hourly
     * runs add to a date partition that earlier runs of the day already wrote.
     */
    private static String generate(Path dir, Settings s) throws IOException, InterruptedException {
        Path all = dir.resolve("all");
        // more than needed: the generator's clock spans its days for the first deliveries only, so redeliveries and
        // malformed extras end it a few percent early (2% at 30 days: on the last day, before noon)
        int span = s.days() + 2 + s.days() / 20;
        SandboxEventsCommand.Landed landed = SandboxEventsCommand.land(
                SandboxEventsCommand.generator(s.seed()).days(span), s.eventsPerDay() * span, all, s.batchSize());
        LocalDate newDay = Institution.EPOCH.atZone(ZoneOffset.UTC).toLocalDate().plusDays(s.days());
        Path landedRaw = all.resolve("raw/live_events");
        long historyObjects = 0;
        long hourObjects = 0;
        for (Path f : BenchFiles.files(landedRaw)) {
            // dt=YYYY-MM-DD/hour=HH/<batch>.jsonl.gz
            String relative = landedRaw.relativize(f).toString().replace('\\', '/');
            String[] parts = relative.split("/");
            LocalDate day = LocalDate.parse(parts[0].substring("dt=".length()));
            int hour = Integer.parseInt(parts[1].substring("hour=".length()));
            int order = day.compareTo(newDay) != 0 ? day.compareTo(newDay) : Integer.compare(hour, NEW_HOUR);
            Path target;
            if (order < 0) {
                target = dir.resolve("history").resolve(relative);
                historyObjects++;
            } else if (order == 0) {
                target = dir.resolve("hour").resolve(relative);
                hourObjects++;
            } else {
                continue;
            }
            Files.createDirectories(target.getParent());
            Files.move(f, target);
        }
        FileTrees.delete(all);
        if (hourObjects == 0) {
            throw new IllegalStateException("bench growth: the generator put nothing into hour " + NEW_HOUR + " of "
                    + newDay + "; give more --events-per-day");
        }
        return landed.messages() + " messages landed; " + historyObjects + " objects of history, " + hourObjects
                + " objects in the new hour";
    }

    static void print(Result r, PrintStream out) {
        out.println();
        out.println("== bench growth");
        out.printf("  history      %d days and %d hours: %,d messages in %,d objects, compacted once in %.1f s (not "
                + "timed)%n", r.days(), NEW_HOUR, r.historyMessages(), r.historyObjects(), r.historySeconds());
        out.printf("  machine      %s%n", BenchMachine.describe());
        Run f = r.bestFresh();
        Run h = r.bestOnHistory();
        out.printf("  fresh lake   %.2f s  (the new hour alone: %,d objects, %,d messages; best of %d)%n",
                f.seconds(), f.objectsRead(), f.messages(), r.fresh().size());
        out.printf("  on history   %.2f s  (the same hour on %d days: %,d objects listed, %,d read; best of %d)%n",
                h.seconds(), r.days(), h.objectsListed(), h.objectsRead(), r.onHistory().size());
        out.printf("  ratio        %.3f  (target < %.1f)%n", r.ratio(), TARGET_RATIO);
    }
}
