package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.canvaslake.events.EventsJobTest.run;
import static org.canvaslake.events.EventsJobTest.version;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

/** Hourly runs' small files packed by OPTIMIZE: once a UTC day by default, no row changed, the history left alone. */
@ExtendWith(SparkTest.class)
class TableOptimizeTest {

    @Test
    void dailyMeansTheFirstRunOfAUtcDayOnALakeThatHasRunBefore() {
        Instant lastEvening = Instant.parse("2026-12-04T23:10:00Z");
        assertThat(TableOptimize.due(TableOptimize.When.DAILY, Optional.of(lastEvening),
                Instant.parse("2026-12-05T00:10:00Z"))).isTrue();
        assertThat(TableOptimize.due(TableOptimize.When.DAILY, Optional.of(Instant.parse("2026-12-05T00:10:00Z")),
                Instant.parse("2026-12-05T23:59:59Z"))).isFalse();
        // a lake's first run: every table it writes is new
        assertThat(TableOptimize.due(TableOptimize.When.DAILY, Optional.empty(), Instant.now())).isFalse();
        assertThat(TableOptimize.due(TableOptimize.When.NOW, Optional.empty(), Instant.now())).isTrue();
        assertThat(TableOptimize.due(TableOptimize.When.NEVER, Optional.of(lastEvening), Instant.now())).isFalse();
        assertThat(TableOptimize.When.parse(" Daily ")).isEqualTo(TableOptimize.When.DAILY);
        assertThatThrownBy(() -> TableOptimize.When.parse("hourly")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--optimize must be daily, now or never");
    }

    @Test
    void theWindowEndsAtTheRunsNewestEventDateButNeverPastTomorrow() {
        Instant now = Instant.parse("2026-12-05T01:10:00Z");
        assertThat(TableOptimize.since(List.of("2026-12-04", "2026-12-05", "2026-11-30"), now))
                .isEqualTo(LocalDate.parse("2026-11-28"));
        // a replay of old raw data: the window follows the data
        assertThat(TableOptimize.since(List.of("2026-08-24"), now)).isEqualTo(LocalDate.parse("2026-08-17"));
        // an event clock years ahead is left out; tomorrow still counts
        assertThat(TableOptimize.since(List.of("2026-12-05", "2099-01-01"), now))
                .isEqualTo(LocalDate.parse("2026-11-28"));
        assertThat(TableOptimize.since(List.of("2026-12-06"), now)).isEqualTo(LocalDate.parse("2026-11-29"));
        assertThat(TableOptimize.since(List.of(), now)).isEqualTo(LocalDate.parse("2026-11-28"));
    }

    private static LiveEventGenerator hour(long seed) {
        return SandboxEventsCommand.generator(seed).only("grade_change", "logged_in").duplicateShare(0)
                .malformedShare(0).lateShare(0).days(1);
    }

    /** Data files the table's current version reads, per date partition (the ledger's are the folders' dates). */
    private static Map<String, Integer> filesPerDate(SparkSession spark, String path) {
        Map<String, Integer> files = new TreeMap<>();
        for (String f : DeltaTables.read(spark, path).inputFiles()) {
            int at = f.indexOf("dt=");
            files.merge(at < 0 ? "" : f.substring(at, at + 13), 1, Integer::sum);
        }
        return files;
    }

    private static String lastOperation(SparkSession spark, String path) {
        return DeltaTable.forPath(spark, path).history(1).first().getAs("operation").toString();
    }

    @Test
    void optimizePacksTheSmallFilesOfHourlyRunsAndChangesNoRow(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Path lake = dir.resolve("lake");
        Lake at = Lake.at(lake.toString());
        String live = at.table(LiveStreamTable.NAME);
        String grades = at.table("events.grade_change");
        String ledger = at.table(EventsLedger.NAME);
        for (int h = 0; h < 4; h++) {
            SandboxEventsCommand.land(hour(30 + h), 40, lake, 10);
            RunReport r = run(spark, lake);
            assertThat(r.failures()).isEmpty();
            assertThat(r.counters()).doesNotContainKey(EventsJob.STEP_MS + "optimize");
        }
        // four runs: a file per run in each date they touched, and in the ledger
        assertThat(filesPerDate(spark, live).values()).anySatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(3));
        assertThat(filesPerDate(spark, grades).values()).anySatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(3));
        assertThat(filesPerDate(spark, ledger).values()).anySatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(3));

        SandboxEventsCommand.land(hour(40), 40, lake, 10);
        RunReport optimized = run(spark, lake, "--optimize", "now");

        assertThat(optimized.failures()).isEmpty();
        assertThat(optimized.counters()).containsKey(EventsJob.STEP_MS + "optimize");
        assertThat(optimized.counter("optimize_files_removed")).isGreaterThan(optimized.counter("optimize_files_added"));
        assertThat(optimized.tableCount(LiveStreamTable.NAME, "files_removed_by_optimize")).isGreaterThanOrEqualTo(3);
        for (String path : new String[] {live, grades, ledger}) {
            assertThat(lastOperation(spark, path)).as(path).isEqualTo("OPTIMIZE");
            // every date partition (all of them recent here) is one file now, and holds the very rows it held
            assertThat(filesPerDate(spark, path).values()).as(path).allSatisfy(n -> assertThat(n).isEqualTo(1));
            long v = version(spark, lake, path.equals(live) ? LiveStreamTable.NAME
                    : path.equals(grades) ? "events.grade_change" : EventsLedger.NAME);
            Dataset<Row> before = spark.read().format("delta").option("versionAsOf", v - 1).load(path);
            Dataset<Row> after = DeltaTables.read(spark, path);
            assertThat(after.count()).as(path).isEqualTo(before.count()).isPositive();
            assertThat(after.exceptAll(before).count()).as(path).isZero();
            assertThat(before.exceptAll(after).count()).as(path).isZero();
        }

        // the next run of the same day leaves the packed files alone, and so does one with nothing new to read
        SandboxEventsCommand.land(hour(41), 40, lake, 10);
        RunReport next = run(spark, lake, "--optimize", "daily");
        assertThat(next.failures()).isEmpty();
        assertThat(next.counters()).doesNotContainKey(EventsJob.STEP_MS + "optimize");
        assertThat(lastOperation(spark, live)).isEqualTo("WRITE");
    }
}
