package org.canvaslake.bench;

import static org.apache.spark.sql.functions.col;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.io.FileTrees;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.canvaslake.events.EventsLedger;
import org.canvaslake.events.ParseSummary;
import org.canvaslake.events.RawObjectStore;

/**
 * {@code canvaslake bench ledger}: what an hourly events run spends on {@code _meta.events_ledger} once it holds a
 * long history. Builds the same ledger rows twice, as the ledger is now (partitioned by folder date, as the daily
 * OPTIMIZE leaves it: a file per day) and as it was before it had partitions (the same rows in files of about a million
 * rows, OPTIMIZE's packing), then times side by side what a run does with it: read the records of the last
 * {@code --lookback-days} folders onto the driver, and record one hour's new objects. The old side runs the queries
 * the job ran before the partitions (a range of {@code object} paths; MERGE by object over the whole ledger). Each
 * side runs once untimed to warm up, then {@code --repeat} times in alternating order; the fastest of each counts.
 */
public final class LedgerBenchmark implements Command {

    private static final String RAW = "s3://institution-lake/raw/live_events";
    private static final LocalDate FIRST_DAY = LocalDate.parse("2026-01-01");
    private static final long ROWS_PER_OLD_FILE = 1_000_000;

    /** What to run. */
    record Settings(int days, long objectsPerDay, int lookbackDays, int repeat, Path work, boolean keepLake) {

        Settings {
            if (days < 2 || objectsPerDay < 24 || lookbackDays < 0 || lookbackDays >= days || repeat < 1) {
                throw new UsageException("bench ledger needs --days >= 2, --objects-per-day >= 24, 0 <= "
                        + "--lookback-days < --days and --repeat >= 1; got " + days + ", " + objectsPerDay + ", "
                        + lookbackDays + ", " + repeat);
            }
            work = work.toAbsolutePath().normalize();
        }
    }

    /**
     * The fastest time of each side, in seconds, and how many records the last read of the window returned on each
     * side (the same, or one side is wrong).
     */
    record Result(long rows, double partitioned, double unpartitioned, long windowRecords,
                  long unpartitionedWindowRecords) {

        double ratio() {
            return partitioned / unpartitioned;
        }
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec("ledger", "Time what an hourly events run does with a long _meta.events_ledger, "
                + "partitioned by folder date, against the same rows without partitions (the layout before)",
                "bench ledger [--days 365] [--objects-per-day 20000] [--lookback-days 15] [--repeat 3] [--work DIR]")
                .option(OptionSpec.value("days", "365", "Days of date folders the ledger records"))
                .option(OptionSpec.value("objects-per-day", "20000", "Raw objects recorded per day (the lander writes "
                        + "one per 10 messages: 20,000 is 200,000 events a day)"))
                .option(OptionSpec.value("lookback-days", "15",
                        "The run's window, as canvaslake events --lookback-days"))
                .option(OptionSpec.value("repeat", "3", "Timed rounds, each side once per round in alternating order; "
                        + "the fastest of each side counts"))
                .option(Bench.WORK)
                .option(Bench.KEEP_LAKE);
    }

    @Override
    public int run(Options options) throws Exception {
        Result r = measure(new Settings(options.getInt("days"), options.getLong("objects-per-day"),
                options.getInt("lookback-days"), options.getInt("repeat"), Bench.work(options),
                options.flag("keep-lake")), System.out);
        System.out.println();
        System.out.println("== bench ledger");
        System.out.printf("  ledger         %,d records over %d days of folders%n", r.rows(), options.getInt("days"));
        System.out.printf("  machine        %s%n", BenchMachine.describe());
        System.out.printf("  partitioned    %.2f s  (read the window's %,d records, record an hour; best of %d)%n",
                r.partitioned(), r.windowRecords(), options.getInt("repeat"));
        System.out.printf("  unpartitioned  %.2f s  (the same, the queries of the layout before)%n", r.unpartitioned());
        System.out.printf("  ratio          %.3f  (partitioned / unpartitioned)%n", r.ratio());
        if (r.windowRecords() != r.unpartitionedWindowRecords()) {
            System.out.printf("  the two sides found different records in the window: %,d and %,d%n",
                    r.windowRecords(), r.unpartitionedWindowRecords());
            return 1;
        }
        return 0;
    }

    static Result measure(Settings s, PrintStream log) throws Exception {
        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-bench");
        Path root = s.work().resolve("ledger-" + RunReport.newRunId());
        try {
            Lake lake = Lake.at(root.resolve("partitioned").toString());
            String partitioned = lake.table(EventsLedger.NAME);
            String unpartitioned = root.resolve("unpartitioned").toString();
            long t = System.nanoTime();
            long rows = build(spark, s, partitioned, unpartitioned);
            log.printf("ledger: %,d records written both ways in %.1f s (not timed)%n", rows,
                    (System.nanoTime() - t) / 1e9);

            LocalDate newest = FIRST_DAY.plusDays(s.days() - 1);
            LocalDate since = newest.minusDays(s.lookbackDays());
            RawObjectStore.DateFolders folders = new RawObjectStore.DateFolders(RAW + "/dt=",
                    new TreeMap<>(Map.of(newest, RAW + "/dt=" + newest)));
            List<Double> ours = new ArrayList<>();
            List<Double> before = new ArrayList<>();
            long[] window = new long[2];
            // round 0 is a warm-up of both sides (the first queries of a JVM compile and load classes), not timed
            for (int round = 0; round <= s.repeat(); round++) {
                List<ParseSummary.ObjectRead> hour = newHour(newest, round);
                for (boolean oursNow : round % 2 == 0 ? new boolean[]{true, false} : new boolean[]{false, true}) {
                    long start = System.nanoTime();
                    if (oursNow) {
                        EventsLedger ledger = new EventsLedger(spark, lake);
                        window[0] = ledger.compacted(folders, since, null).size();
                        ledger.record(hour, "bench", false);
                    } else {
                        window[1] = previousWindowRead(spark, unpartitioned, folders, since).size();
                        previousRecord(spark, unpartitioned, hour);
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (round > 0) {
                        (oursNow ? ours : before).add(seconds);
                    }
                    log.printf("  %s: %-13s %.2f s (%,d records in the window)%n",
                            round == 0 ? "warm-up" : "round " + round, oursNow ? "partitioned" : "unpartitioned",
                            seconds, window[oursNow ? 0 : 1]);
                }
            }
            return new Result(rows, Collections.min(ours), Collections.min(before), window[0], window[1]);
        } finally {
            if (!s.keepLake()) {
                FileTrees.delete(root);
            }
        }
    }

    /** The same records written both ways; returns how many. */
    private static long build(SparkSession spark, Settings s, String partitioned, String unpartitioned) {
        long rows = s.days() * s.objectsPerDay();
        int files = (int) Math.max(1, (rows + ROWS_PER_OLD_FILE - 1) / ROWS_PER_OLD_FILE);
        // object paths in the lander's layout: dt=YYYY-MM-DD/hour=HH/<32 hex digits>.jsonl.gz
        Dataset<Row> records = spark.range(0, rows, 1, files).selectExpr(
                "date_add(DATE'" + FIRST_DAY + "', CAST(id DIV " + s.objectsPerDay() + " AS INT)) AS dt",
                "CAST(((id % " + s.objectsPerDay() + ") * 24) DIV " + s.objectsPerDay() + " AS INT) AS hour", "id")
                .selectExpr("concat('" + RAW + "/dt=', string(dt), '/hour=', lpad(string(hour), 2, '0'), '/',"
                                + " substr(sha1(string(id)), 1, 32), '.jsonl.gz') AS object",
                        "4096L AS size", "timestamp(dt) AS modified_at", "10L AS lines", "10L AS events",
                        "0L AS quarantined", "concat('run-', string(dt), '-', string(hour)) AS run_id",
                        "timestamp(dt) + make_interval(0, 0, 0, 0, hour + 1) AS compacted_at", "dt");
        DeltaTables.overwrite(records, partitioned, List.of("dt"));
        DeltaTables.overwrite(DeltaTables.read(spark, partitioned).drop("dt").repartition(files), unpartitioned,
                List.of());
        return rows;
    }

    /** 13 new objects in the newest folder, as the growth benchmark's hour brings; other names each round. */
    private static List<ParseSummary.ObjectRead> newHour(LocalDate newest, int round) {
        List<ParseSummary.ObjectRead> out = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            out.add(new ParseSummary.ObjectRead(RAW + "/dt=" + newest + "/hour=23/new-" + round + "-" + i
                    + ".jsonl.gz", 4096, Instant.now(), 10, 10, 0, null));
        }
        return out;
    }

    /** The window's records as the job read them before the partitions: a range of object paths. */
    private static Set<String> previousWindowRead(SparkSession spark, String path, RawObjectStore.DateFolders folders,
                                                  LocalDate since) {
        Set<String> out = new HashSet<>();
        for (Row r : DeltaTables.read(spark, path).where(col("object").geq(folders.at(since))
                .and(col("object").lt(folders.end()))).select("object", "compacted_at").collectAsList()) {
            out.add(r.getString(0));
        }
        return out;
    }

    /** The run's objects recorded as the job recorded them before the partitions: MERGE by object, whole ledger. */
    private static void previousRecord(SparkSession spark, String path, List<ParseSummary.ObjectRead> objects) {
        List<Row> rows = new ArrayList<>();
        Timestamp now = Timestamp.from(Instant.now());
        for (ParseSummary.ObjectRead o : objects) {
            rows.add(RowFactory.create(o.path(), o.size(),
                    Timestamp.from(o.modifiedAt()), o.lines(), o.events(), o.quarantined(), "bench", now));
        }
        Dataset<Row> data = spark.createDataFrame(rows, DeltaTables.read(spark, path).schema()).coalesce(1);
        DeltaTables.merge(spark, data, path, MergeSpec.on("object").ignoringInComparison("run_id", "compacted_at")
                .appendingWhenNoKeyMatches());
    }
}
