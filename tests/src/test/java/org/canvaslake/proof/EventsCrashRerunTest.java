package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.events.EventsJob;
import org.canvaslake.events.EventsLedger;
import org.canvaslake.events.LiveStreamTable;
import org.canvaslake.events.QuarantineTable;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events job crashed at every named crash point — after each table's commit, and between the tables and the
 * ledger — in a lake's first run and in an incremental run, then run again normally: every table (and the ledger)
 * equals, row for row, the tables of the same runs without a crash. Prints how many crashes were tried and held.
 * Inputs are tiny: what is tested is where the job stops, not how much it carries.
 */
@ExtendWith(SparkTest.class)
// ~30 job runs: switched on explicitly (-Dproof.crash=true) until it has been seen green; see docs/proof.md
@EnabledIfSystemProperty(named = "proof.crash", matches = "true")
class EventsCrashRerunTest {

    private static final Logger LOG = LoggerFactory.getLogger(EventsCrashRerunTest.class);

    /** Columns that name the run or the wall clock, so differ between any two runs by design. */
    private static final List<String> RUN_COLUMNS = List.of("run_id", "compacted_at");

    private static final List<String> TABLES = List.of(LiveStreamTable.NAME, "events.asset_accessed",
            "events.logged_in", QuarantineTable.NAME);

    private static final List<String> POINTS = new ArrayList<>();

    static {
        POINTS.add(EventsJob.CRASH_BEFORE_LEDGER);
        TABLES.forEach(t -> POINTS.add(EventsJob.CRASH_AFTER_TABLE + t));
    }

    @Test
    void everyCrashPointRecoversToTheUninterruptedTables(SparkSession spark, @TempDir Path tmp) {
        // uninterrupted: batch A, run; batch B, run
        Path afterA = tmp.resolve("baseline-after-A");
        land(afterA, batchA(), "A");
        assertThat(run(spark, afterA, false).failures()).isEmpty();
        Map<String, List<String>> expectedA = snapshot(spark, afterA);
        // a lake replays batch A itself: ledger and quarantine key objects by their path, so a copied lake would
        // read A again under new names
        Path afterB = tmp.resolve("baseline-after-B");
        land(afterB, batchA(), "A");
        assertThat(run(spark, afterB, false).failures()).isEmpty();
        land(afterB, batchB(), "B");
        assertThat(run(spark, afterB, false).failures()).isEmpty();
        Map<String, List<String>> expectedB = snapshot(spark, afterB);
        assertThat(expectedB.get(LiveStreamTable.NAME)).hasSize(3);
        assertThat(expectedB.get(QuarantineTable.NAME)).hasSize(2);

        int tried = 0;
        int held = 0;
        List<String> notHeld = new ArrayList<>();
        for (String point : POINTS) {
            // the first run of a lake crashes
            Path first = tmp.resolve("first-" + point.replace('.', '_'));
            land(first, batchA(), "A");
            if (crashThenRerun(spark, first, point)) {
                tried++;
                if (snapshot(spark, first).equals(expectedA)) {
                    held++;
                    LOG.info("crash at {} in a first run: re-run equals the uninterrupted tables", point);
                } else {
                    notHeld.add("first run @ " + point);
                }
            }
            // an incremental run on top of A crashes
            Path next = tmp.resolve("next-" + point.replace('.', '_'));
            land(next, batchA(), "A");
            assertThat(run(spark, next, false).failures()).isEmpty();
            land(next, batchB(), "B");
            if (crashThenRerun(spark, next, point)) {
                tried++;
                if (snapshot(spark, next).equals(expectedB)) {
                    held++;
                    LOG.info("crash at {} in an incremental run: re-run equals the uninterrupted tables", point);
                } else {
                    notHeld.add("incremental run @ " + point);
                }
            }
        }
        LOG.info("events crash points: {} tried, {} held", tried, held);
        System.out.println("events crash points: " + tried + " tried, " + held + " held");
        assertThat(notHeld).isEmpty();
        // A writes live_stream, asset_accessed, _quarantine; B also logged_in; plus before_ledger in each
        assertThat(tried).isEqualTo(9);
    }

    /** Runs the job crashing at the point, then normally. True if the point was reached. */
    private boolean crashThenRerun(SparkSession spark, Path lake, String point) {
        System.setProperty("canvaslake.crashAt", point);
        RunReport crashed;
        try {
            crashed = run(spark, lake, false);
        } finally {
            System.clearProperty("canvaslake.crashAt");
        }
        boolean reached = crashed.failures().stream().anyMatch(f -> f.message().contains("injected crash at " + point));
        if (!reached) {
            assertThat(crashed.failures()).as("run with an unreached crash point").isEmpty();
            return false;
        }
        RunReport rerun = run(spark, lake, false);
        assertThat(rerun.failures()).as("re-run after a crash at " + point).isEmpty();
        return true;
    }

    private static RunReport run(SparkSession spark, Path lake, boolean full) {
        EventsJob job = new EventsJob();
        List<String> args = new ArrayList<>(List.of("--lake", lake.toString()));
        if (full) {
            args.add("--full");
        }
        Options options = Options.parse(job.spec(), args);
        return job.runWith(spark, options, job.runReport(options));
    }

    /** Every table (and the ledger) as sorted row texts, without the columns that name the run. */
    private static Map<String, List<String>> snapshot(SparkSession spark, Path lakeDir) {
        Lake lake = Lake.at(lakeDir.toString());
        Map<String, List<String>> out = new TreeMap<>();
        List<String> all = new ArrayList<>(TABLES);
        all.add(EventsLedger.NAME);
        for (String table : all) {
            String path = lake.table(table);
            if (!DeltaTables.exists(spark, path)) {
                out.put(table, List.of());
                continue;
            }
            Dataset<Row> rows = DeltaTables.read(spark, path);
            String[] keep = Arrays.stream(rows.columns()).filter(c -> !RUN_COLUMNS.contains(c)).sorted()
                    .toArray(String[]::new);
            // a ledger row names the object by its absolute path, which differs per lake directory
            List<String> texts = new ArrayList<>();
            for (Row r : rows.selectExpr(keep).collectAsList()) {
                texts.add(r.toString().replace(lakeDir.toString(), "<lake>"));
            }
            texts.sort(null);
            out.put(table, texts);
        }
        return out;
    }

    private static List<LiveEventMessage> batchA() {
        List<LiveEventMessage> out = new ArrayList<>();
        for (String f : List.of("01_asset_accessed.json")) {
            out.add(message("a-" + f, f, Instant.parse("2026-09-01T10:00:00Z")));
        }
        out.add(new LiveEventMessage("a-broken", Instant.parse("2026-09-01T10:00:01Z"),
                Map.of("event_name", "grade_change"), "{\"metadata\": {\"event_name\": \"grade_ch"));
        return out;
    }

    private static List<LiveEventMessage> batchB() {
        List<LiveEventMessage> out = new ArrayList<>();
        for (String f : List.of("05_logged_in.json", "04_asset_accessed.json")) {
            out.add(message("b-" + f, f, Instant.parse("2026-09-01T11:00:00Z")));
        }
        // a redelivery of the batch A event: must not double
        out.add(message("b-redelivered", "01_asset_accessed.json", Instant.parse("2026-09-01T11:00:02Z")));
        out.add(new LiveEventMessage("b-broken", Instant.parse("2026-09-01T11:00:01Z"), Map.of(), ""));
        return out;
    }

    private static LiveEventMessage message(String id, String fixture, Instant at) {
        try {
            String body = Files.readString(Fixtures.file("canvas/" + fixture), StandardCharsets.UTF_8);
            String name = fixture.substring(fixture.indexOf('_') + 1, fixture.length() - ".json".length());
            return new LiveEventMessage(id, at, Map.of("event_name", name), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void land(Path lake, List<LiveEventMessage> batch, String label) {
        try {
            Files.createDirectories(lake);
            new BatchLander(new LocalObjectStore(lake)).land(batch);
        } catch (IOException e) {
            throw new UncheckedIOException("landing batch " + label, e);
        }
    }
}
