package org.canvaslake.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.text.Redaction;

/**
 * {@code canvaslake bench all}: the events, DAP and growth benchmarks in one run, at sizes that finish in a
 * reasonable time on a small machine (options scale each), and their results written into
 * {@code docs/benchmarks.md} below its hand-written introduction. A benchmark that fails is reported as failed in
 * the page and the exit code; the others still run.
 */
public final class AllBenchmarks implements Command {

    static final List<String> BENCHMARKS = List.of("events", "dap", "growth");

    /** A benchmark that threw: shown in the page as such. */
    record Failed(String benchmark, String error) implements BenchmarkResult {
        @Override
        public Table table() {
            return new Table("bench " + benchmark + ": FAILED", "canvaslake bench " + benchmark, List.of("error"),
                    List.of(List.of(error)), List.of());
        }
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec("all", "Run the events, dap and growth benchmarks in one go at sizes fit for a small "
                + "machine and write their results into docs/benchmarks.md (below its introduction)",
                "bench all [--only events,dap,growth] [--events N] [--rows N] [--days N] [--docs FILE|none]")
                .option(OptionSpec.value("only", String.join(",", BENCHMARKS), "Which benchmarks to run, "
                        + "comma-separated"))
                .option(OptionSpec.value("events", "300000", "bench events: messages to generate and compact"))
                .option(OptionSpec.value("rows", "200000", "bench dap: rows of the snapshot"))
                .option(OptionSpec.value("incremental", "20000", "bench dap: records of the incremental"))
                .option(OptionSpec.value("pg-url", DapBenchmark.DEFAULT_PG_URL, "bench dap: PostgreSQL for the mirror "
                        + "and the COPY baseline ('none' skips those steps, as does a server that does not answer)"))
                .option(OptionSpec.value("days", "30", "bench growth: days of hourly history"))
                .option(OptionSpec.value("events-per-day", "3000", "bench growth: messages per day of history"))
                .option(OptionSpec.value("repeat", "2", "bench growth: timed runs of each side (fastest counts)"))
                .option(OptionSpec.value("batch-size", "10", "Messages per raw object for events and growth"))
                .option(OptionSpec.value("docs", "docs/benchmarks.md", "The page to write the results into (the "
                        + "text above its marker line is kept); 'none' writes nothing"))
                .option(Bench.WORK)
                .option(Bench.SEED);
    }

    /** What a run of every benchmark gave: the results (failed ones included), the page text, and success. */
    record Outcome(List<BenchmarkResult> results, String generated, boolean succeeded) {
    }

    @Override
    public int run(Options options) throws Exception {
        return runAll(options, System.out).succeeded() ? 0 : 1;
    }

    /** Runs the chosen benchmarks, prints each result, writes the page unless --docs none. */
    Outcome runAll(Options options, PrintStream out) throws Exception {
        List<String> only = options.list("only");
        for (String b : only) {
            if (!BENCHMARKS.contains(b)) {
                throw new UsageException("--only takes " + BENCHMARKS + ", got '" + b + "'");
            }
        }
        Optional<Path> page = options.get("docs").map(String::trim).filter(d -> !d.isEmpty()
                && !d.equalsIgnoreCase("none")).map(Path::of);
        if (page.isPresent() && !Files.isDirectory(page.get().toAbsolutePath().getParent())) {
            throw new UsageException("--docs " + page.get() + ": its directory does not exist; run from the project "
                    + "root, give another --docs, or --docs none");
        }
        Path work = Bench.work(options);
        long seed = options.getLong("seed");
        int batch = options.getInt("batch-size");
        String pg = options.get("pg-url").orElse("").trim();
        Optional<String> pgUrl = pg.isEmpty() || pg.equalsIgnoreCase("none") ? Optional.empty() : Optional.of(pg);
        // settings first: a wrong size is a usage error before anything has run
        EventsBenchmark.Settings events = new EventsBenchmark.Settings(options.getLong("events"), batch, seed, work,
                false);
        DapBenchmark.Settings dap = new DapBenchmark.Settings(options.getInt("rows"), options.getInt("incremental"),
                seed, work, pgUrl);
        GrowthBenchmark.Settings growth = new GrowthBenchmark.Settings(options.getInt("days"),
                options.getLong("events-per-day"), batch, seed, options.getInt("repeat"), work, false);

        Instant started = Instant.now();
        double loadAtStart = BenchMachine.loadAverage();
        List<BenchmarkResult> results = new ArrayList<>();
        boolean ok = true;
        for (String b : only.isEmpty() ? BENCHMARKS : only) {
            out.println("== bench all: " + b);
            try {
                switch (b) {
                    case "events" -> {
                        EventsBenchmark.Result r = EventsBenchmark.measure(events, out);
                        EventsBenchmark.print(r, out);
                        ok &= r.exitCode() == 0;
                        results.add(r);
                    }
                    case "dap" -> {
                        DapBenchmark.Result r = DapBenchmark.measure(dap, out);
                        DapBenchmark.print(r, out);
                        results.add(r);
                    }
                    default -> {
                        GrowthBenchmark.Result r = GrowthBenchmark.measure(growth, out);
                        GrowthBenchmark.print(r, out);
                        ok &= r.succeeded();
                        results.add(r);
                    }
                }
            } catch (Exception e) {
                ok = false;
                String error = e.getClass().getSimpleName() + ": " + Redaction.redact(String.valueOf(e.getMessage()));
                out.println("bench " + b + " failed: " + error);
                e.printStackTrace(System.err);
                results.add(new Failed(b, error));
            }
        }
        BenchmarksPage.Run run = new BenchmarksPage.Run(command(options.describe()), started, Instant.now(),
                BenchMachine.describeWithoutLoad(), loadAtStart, BenchMachine.loadAverage());
        String generated = BenchmarksPage.render(run, results);
        if (page.isPresent()) {
            BenchmarksPage.write(page.get(), generated);
            out.println("Results written into " + page.get().toAbsolutePath());
        } else {
            out.println(generated);
        }
        return new Outcome(results, generated, ok);
    }

    /** The command line as given (secrets in URLs redacted), for the page. */
    static String command(Map<String, String> given) {
        StringBuilder out = new StringBuilder("canvaslake bench all");
        given.forEach((k, v) -> {
            String value = Redaction.redact(v);
            out.append(" --").append(k).append(' ')
                    .append(value.matches("[A-Za-z0-9_./,:=@-]+") ? value : "'" + value.replace("'", "'\\''") + "'");
        });
        return out.toString();
    }
}
