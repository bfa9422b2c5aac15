package org.canvaslake.events;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Failures;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.delta.tables.DeltaTable;

/**
 * Keeps hourly runs from leaving a flood of small files. A small run writes one file per table and event date; run
 * hourly, a date partition gathers a file an hour, and the ledger one a run. Once a day (by default: in the first run
 * of a UTC day, after its ledger is recorded, so a failure here loses nothing) Delta's {@code OPTIMIZE} packs the small
 * files of every events table's last {@value #RECENT_DAYS} days of date partitions ({@link #since}) and those of the
 * ledger into files of about {@code --target-file-mb}. Files of at least half that size are left alone, and so is a
 * partition with one file: a day's OPTIMIZE rewrites the day's small files, not the history. OPTIMIZE changes no
 * row (readers and later runs see the same data; time travel to earlier versions keeps working) and leaves the old
 * files for {@code VACUUM} to delete once they are older than the table's retention.
 */
final class TableOptimize {

    private static final Logger LOG = LoggerFactory.getLogger(TableOptimize.class);

    /** Date partitions of the last this many days (counted back from the run's newest event date) are optimized. */
    static final int RECENT_DAYS = 7;

    /** {@code --optimize}: when a run packs small files. */
    enum When {
        /** The first run of a UTC day: the ledger's last record is from an earlier day. */
        DAILY,
        /** This run, whatever the ledger says. */
        NOW,
        /** Never (OPTIMIZE is scheduled elsewhere). */
        NEVER;

        static When parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--optimize must be daily, now or never, got '" + value + "'");
            }
        }
    }

    /** What OPTIMIZE did to one table. */
    record Packed(String table, long filesRemoved, long filesAdded) {
    }

    private TableOptimize() {
    }

    /**
     * Whether this run optimizes: always with {@code NOW}, never with {@code NEVER}, and with {@code DAILY} when the
     * ledger held records before this run and the latest is from an earlier UTC day than {@code now} (a lake's first
     * run has nothing to pack: every table it wrote is new).
     */
    static boolean due(When when, Optional<Instant> lastRecorded, Instant now) {
        return switch (when) {
            case NOW -> true;
            case NEVER -> false;
            case DAILY -> lastRecorded.isPresent() && day(lastRecorded.get()).isBefore(day(now));
        };
    }

    /**
     * The first date partition OPTIMIZE packs: {@value #RECENT_DAYS} days before the newest event date of the run
     * ({@code runDates}, as yyyy-MM-dd; late events land in earlier days too, and a replay of old raw data packs what it
     * wrote), or before today when the run dated no event. A date past tomorrow (UTC) does not count: an event clock far
     * ahead must not move the window off today's partitions.
     */
    static LocalDate since(Collection<String> runDates, Instant now) {
        LocalDate today = day(now);
        LocalDate newest = runDates.stream().map(LocalDate::parse).filter(d -> !d.isAfter(today.plusDays(1)))
                .max(LocalDate::compareTo).orElse(today);
        return newest.minusDays(RECENT_DAYS);
    }

    /**
     * Packs the small files of the events tables' date partitions from {@code since} on and of the ledger; reports files
     * removed and added per table. A table whose OPTIMIZE fails is noted and the others go on: its data is written and
     * recorded already.
     */
    static List<Packed> run(SparkSession spark, Lake lake, long targetFileBytes, LocalDate since, RunReport report) {
        List<String> tables = new ArrayList<>(LakeCatalog.discover(spark, lake, "events"));
        tables.add(EventsLedger.NAME);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spark.databricks.delta.optimize.maxFileSize", Long.toString(targetFileBytes));
        settings.put("spark.databricks.delta.optimize.minFileSize", Long.toString(targetFileBytes / 2));
        Map<String, String> previous = EventsJob.apply(spark, settings);
        List<Packed> done = new ArrayList<>();
        try {
            for (String table : tables) {
                long start = System.nanoTime();
                try {
                    var optimize = DeltaTable.forPath(spark, lake.table(table)).optimize();
                    if (!table.equals(EventsLedger.NAME)) {
                        optimize = optimize.where("dt >= DATE'" + since + "'");
                    }
                    Row metrics = optimize.executeCompaction()
                            .selectExpr("metrics.numFilesRemoved", "metrics.numFilesAdded").first();
                    Packed p = new Packed(table, metrics.getLong(0), metrics.getLong(1));
                    done.add(p);
                    if (p.filesRemoved() > 0) {
                        report.count(table, "files_removed_by_optimize", p.filesRemoved());
                        report.count(table, "files_added_by_optimize", p.filesAdded());
                    }
                    LOG.info("events: optimized {}: {} small files packed into {} ({} ms)", table, p.filesRemoved(),
                            p.filesAdded(), (System.nanoTime() - start) / 1_000_000);
                } catch (Exception e) {
                    // Exception, not RuntimeException: Delta and Spark throw Hadoop's IOExceptions undeclared
                    LOG.warn("events: OPTIMIZE of {} failed", table, e);
                    report.note("OPTIMIZE of " + table + " failed (its data is written and recorded; the next daily"
                            + " OPTIMIZE tries again): " + Failures.describe(e));
                    report.counter("optimize_failures", 1);
                }
            }
        } finally {
            EventsJob.restore(spark, previous);
        }
        report.counter("optimize_files_removed", done.stream().mapToLong(Packed::filesRemoved).sum());
        report.counter("optimize_files_added", done.stream().mapToLong(Packed::filesAdded).sum());
        return done;
    }

    private static LocalDate day(Instant instant) {
        return instant.atZone(ZoneOffset.UTC).toLocalDate();
    }
}
