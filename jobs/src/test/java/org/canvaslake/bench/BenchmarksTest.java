package org.canvaslake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.Main;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canvaslake bench}: the subcommands are registered with every option explained, each benchmark runs at a
 * tiny size and returns (and prints) its ratios, and {@code bench all} writes them below the page's introduction.
 * Speeds are never asserted: only that every measured value is there and positive.
 */
@ExtendWith(SparkTest.class)
class BenchmarksTest {

    private final BenchCommand bench = new BenchCommand();

    @Test
    void everyBenchmarkIsASubcommandWithEveryOptionExplained() {
        Map<String, Command> subs = Map.of("events", new EventsBenchmark(), "dap", new DapBenchmark(), "growth",
                new GrowthBenchmark(), "ledger", new LedgerBenchmark(), "all", new AllBenchmarks());
        assertThat(bench.spec().usage()).contains("events|dap|growth|ledger|all");
        for (Map.Entry<String, Command> e : subs.entrySet()) {
            CommandSpec spec = e.getValue().spec();
            assertThat(spec.name()).isEqualTo(e.getKey());
            String help = bench.help(List.of(e.getKey(), "--help"));
            assertThat(help).as("bench %s --help", e.getKey()).startsWith("Usage: canvaslake bench " + e.getKey());
            for (OptionSpec o : spec.options().values()) {
                assertThat(o.help()).as("bench %s --%s", e.getKey(), o.name()).isNotBlank();
                assertThat(help).contains("--" + o.name());
            }
        }
        assertThat(new DapBenchmark().spec().options()).containsKeys("rows", "incremental", "work", "pg-url");
        assertThat(new DapBenchmark().spec().options().get("pg-url").defaultValue())
                .isEqualTo("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    }

    @Test
    void aSubcommandReadsItsOwnDefaultsThroughTheGroup() {
        // --events means 1,000,000 for bench events and a machine-sized default for bench all
        Options viaGroup = Options.parse(bench.spec(), List.of("all", "--days", "2"));
        Options all = viaGroup.forSpec(new AllBenchmarks().spec());
        Options events = Options.parse(bench.spec(), List.of("events")).forSpec(new EventsBenchmark().spec());

        assertThat(bench.spec().options().get("events").defaultValue()).isNull();
        assertThat(all.get("events")).contains("300000");
        assertThat(all.get("days")).contains("2");
        assertThat(events.get("events")).contains("1000000");
        assertThat(Options.parse(bench.spec(), List.of("dap")).forSpec(new DapBenchmark().spec()).get("rows"))
                .contains("200000");
    }

    @Test
    void wrongSizesAndOptionsOfAnotherBenchmarkAreUsageErrors(@TempDir Path work) {
        assertThat(Main.run(new String[]{"bench", "events", "--events", "0", "--work", work.toString()})).isEqualTo(2);
        assertThat(Main.run(new String[]{"bench", "dap", "--days", "3"})).isEqualTo(2);
        assertThat(Main.run(new String[]{"bench", "all", "--only", "events,nope", "--docs", "none"})).isEqualTo(2);
        assertThatThrownBy(() -> new GrowthBenchmark.Settings(30, 200, 10, 42, 1, work, false))
                .isInstanceOf(UsageException.class).hasMessageContaining("--events-per-day >= 24 x --batch-size");
    }

    @Test
    void allRunsEachBenchmarkTinyReturnsPositiveRatiosAndWritesThemBelowTheIntroduction(SparkSession spark,
                                                                                         @TempDir Path dir)
            throws Exception {
        Path page = dir.resolve("benchmarks.md");
        Files.writeString(page, "# Benchmarks\n\nHand-written introduction.\n\n" + BenchmarksPage.MARKER
                + "\n\nold results\n");
        AllBenchmarks all = new AllBenchmarks();
        Options options = Options.parse(bench.spec(), List.of("all", "--events", "100", "--rows", "2000",
                "--incremental", "200", "--days", "1", "--events-per-day", "96", "--batch-size", "2",
                "--repeat", "1", "--work", dir.resolve("work").toString(), "--docs", page.toString()))
                .forSpec(all.spec());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        AllBenchmarks.Outcome outcome = all.runAll(options, new PrintStream(printed, true, StandardCharsets.UTF_8));

        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(outcome.succeeded()).as(out).isTrue();
        assertThat(outcome.results()).hasSize(3);

        EventsBenchmark.Result events = (EventsBenchmark.Result) outcome.results().get(0);
        assertThat(events.messages()).isEqualTo(100);
        assertThat(events.floorRate()).isPositive();
        assertThat(events.jobRate()).isPositive();
        assertThat(events.ratio()).isPositive().isFinite();
        assertThat(events.liveStreamRows()).isPositive();
        assertThat(out).containsPattern("ratio a/b\\s+\\d+\\.\\d{3}");
        // where the job's time went, from the job's own report, in run order
        assertThat(events.stepMillis()).containsOnlyKeys("listing", "parse", "deduplication",
                "live_stream_and_quarantine", "per_type_tables", "ledger");
        assertThat(events.stepMillis().keySet()).first().isEqualTo("listing");
        assertThat(events.stepMillis().values().stream().mapToLong(Long::longValue).sum())
                .isLessThanOrEqualTo((long) Math.ceil(events.jobSeconds() * 1000));
        assertThat(out).containsPattern("steps\\s+listing \\d+\\.\\d s, parse \\d+\\.\\d s");
        // where the job's CPU went, by kind of thread (Linux only: read from /proc)
        if (ThreadCpu.available()) {
            assertThat(events.jobCpuSeconds()).containsOnlyKeys(ThreadCpu.GROUPS);
            assertThat(events.jobCpuSeconds().get(ThreadCpu.TASKS)).isPositive();
            assertThat(events.jobCpuSeconds().values()).allSatisfy(v -> assertThat(v).isNotNegative());
            assertThat(out).containsPattern("cpu\\s+\\d+ s of CPU: Spark tasks \\d+\\.\\d s \\(\\d+%\\)");
        }

        DapBenchmark.Result dap = (DapBenchmark.Result) outcome.results().get(1);
        assertThat(dap.steps()).extracting(DapBenchmark.Step::name)
                .contains(DapBenchmark.PARSE, DapBenchmark.DELTA_SNAPSHOT, DapBenchmark.DELTA_INCREMENTAL);
        assertThat(dap.steps()).allSatisfy(s -> assertThat(s.rowsPerSecond()).isPositive());
        assertThat(dap.deltaRowsAfter()).isBetween(2000L - 20, 2000L + 20); // 10% deletes, 10% inserts of 200
        if (dap.postgresSkipped().isEmpty()) {
            assertThat(dap.copyRows()).isEqualTo(2000);
            assertThat(dap.steps()).extracting(DapBenchmark.Step::name).contains(DapBenchmark.PG_SNAPSHOT,
                    DapBenchmark.PG_INCREMENTAL, DapBenchmark.PG_SNAPSHOT_PARSED, DapBenchmark.COPY);
            assertThat(dap.steps()).allSatisfy(s -> assertThat(dap.ratioToCopy(s)).isPositive().isFinite());
            assertThat(out).containsPattern("Delta snapshot\\s+\\d+\\.\\d+\\s+[\\d,]+\\s+[\\d.]+\\s+\\d+\\.\\d{3}");
        } else {
            assertThat(out).contains("PostgreSQL steps skipped: PostgreSQL at");
        }

        GrowthBenchmark.Result growth = (GrowthBenchmark.Result) outcome.results().get(2);
        assertThat(growth.ratio()).isPositive().isFinite();
        assertThat(growth.bestOnHistory().objectsRead()).isEqualTo(growth.bestFresh().objectsRead()).isPositive();
        assertThat(growth.bestOnHistory().messages()).isEqualTo(growth.bestFresh().messages());
        assertThat(growth.bestOnHistory().objectsListed())
                .isEqualTo(growth.historyObjects() + growth.bestFresh().objectsRead());
        assertThat(out).containsPattern("ratio\\s+\\d+\\.\\d{3}\\s+\\(target < 2\\.0\\)");

        String written = Files.readString(page);
        assertThat(written).startsWith("# Benchmarks\n\nHand-written introduction.\n\n" + BenchmarksPage.MARKER)
                .doesNotContain("old results")
                .contains("canvaslake bench all --events 100", "cores", "load average")
                .contains("### Live-events compaction vs. the floor", "### Canvas Data 2 apply",
                        "### Growth: one new hour on 1 days of history")
                .containsPattern("\\| \\(a\\) `canvaslake events` end to end into a fresh Delta lake \\| [\\d.]+ \\| "
                        + "[\\d,]+ \\| \\d+\\.\\d{3} \\|");
        assertThat(Files.list(dir.resolve("work")).map(p -> p.getFileName().toString()))
                .as("only the generated inputs stay in the work directory")
                .allMatch(n -> n.contains("-input-"));
    }

    @Test
    void theLedgerBenchmarkTimesBothLayoutsOnTheSameRecords(SparkSession spark, @TempDir Path work) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LedgerBenchmark.Result r = LedgerBenchmark.measure(new LedgerBenchmark.Settings(3, 48, 1, 1, work, false),
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(r.rows()).isEqualTo(3 * 48);
        // the window: the last two days' folders, and the warm-up's 13 new objects
        assertThat(r.windowRecords()).isEqualTo(2 * 48 + 13).isEqualTo(r.unpartitionedWindowRecords());
        assertThat(r.partitioned()).isPositive();
        assertThat(r.unpartitioned()).isPositive();
        assertThat(r.ratio()).isPositive().isFinite();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("warm-up: partitioned", "round 1: unpartitioned");
        assertThat(Files.list(work)).as("the lakes are deleted").isEmpty();
        assertThatThrownBy(() -> new LedgerBenchmark.Settings(3, 48, 3, 1, work, false))
                .isInstanceOf(UsageException.class).hasMessageContaining("--lookback-days < --days");
    }

    @Test
    void aPostgreSQLThatDoesNotAnswerIsSkippedWithAClearLineAndNoPassword() {
        assertThat(DapBenchmark.unreachable("jdbc:postgresql://127.0.0.1:1/test?user=postgres&password=hunter2"))
                .hasValueSatisfying(why -> assertThat(why).contains("did not answer", "127.0.0.1:1", "--pg-url")
                        .doesNotContain("hunter2"));
    }

    @Test
    void aPageWithoutTheMarkerKeepsItsTextAndGetsTheResultsAppended() {
        String merged = BenchmarksPage.merge("# Benchmarks\n\nIntro.\n", "## Results\n");
        assertThat(merged).isEqualTo("# Benchmarks\n\nIntro.\n\n" + BenchmarksPage.MARKER + "\n\n## Results\n");
        assertThat(BenchmarksPage.merge(merged, "## Results again\n")).isEqualTo("# Benchmarks\n\nIntro.\n\n"
                + BenchmarksPage.MARKER + "\n\n## Results again\n");
    }
}
