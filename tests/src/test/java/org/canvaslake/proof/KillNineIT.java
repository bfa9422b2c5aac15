package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.AppJar;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.events.EventsJob;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: a job runs in a JVM of its own from the shaded jar (as under spark-submit) and dies there — by
 * {@code Runtime.halt} at a crash point ({@code CANVASLAKE_CRASH_MODE=halt}: no finally block, no shutdown hook,
 * as under {@code kill -9}) or by {@link Process#destroyForcibly()} (SIGKILL) the moment its first Delta commit
 * appears on disk. A normal re-run (in this JVM) must then leave every table equal, row for row, to an
 * uninterrupted run over the same input. (The in-process {@link CrashRerunDrills} try many more crash points, first
 * and incremental runs; these few prove the in-process crash stands for a real one.)
 *
 * <p>Runs in the integration-test phase, after the jobs module has built the jar (mvn verify).
 */
@ExtendWith(SparkTest.class)
class KillNineIT {

    private static final int SIGKILL_STATUS = 137;
    private static final LakeRows.Rules EVENTS_RULES = LakeRows.Rules.dropping("*", "run_id", "compacted_at");

    @TempDir
    static Path shared;
    /** Sandbox events of six types landed once (the ledger names objects by path, so all lakes read this root). */
    private static Path raw;
    private static Map<String, List<String>> eventsUninterrupted;

    @TempDir
    Path tmp;

    @BeforeAll
    static void eventsWithoutACrash(SparkSession spark) {
        raw = landEvents(shared.resolve("raw"), 120);
        Path uninterrupted = shared.resolve("uninterrupted");
        assertThat(eventsInProcess(spark, uninterrupted, raw).failures()).isEmpty();
        eventsUninterrupted = LakeRows.of(spark, uninterrupted, EVENTS_RULES);
        assertThat(eventsUninterrupted).hasSizeGreaterThan(6);
    }

    @Test
    void eventsKilledByHaltAfterItsFirstTableRecoversOnReRun(SparkSession spark) throws Exception {
        Path lake = tmp.resolve("killed");
        AppJar.Run killed = AppJar.start(tmp.resolve("jvm"), eventsArgs(lake, raw), Map.of(CrashPoints.ENV,
                EventsJob.CRASH_AFTER_TABLE + "events.live_stream", CrashPoints.MODE_ENV, "halt")).await();

        assertThat(killed.exitCode()).as(killed.stderr()).isEqualTo(CrashPoints.HALT_STATUS);
        assertThat(killed.stderr()).contains("CRASH POINT events.after_table.events.live_stream reached");
        assertThat(lake.resolve("events/live_stream/_delta_log")).isDirectory();
        assertThat(lake.resolve("_meta/events_ledger")).as("the ledger is written last").doesNotExist();
        assertThat(lake.resolve("_meta/runs")).as("a killed JVM records no run").doesNotExist();

        assertThat(eventsInProcess(spark, lake, raw).failures()).isEmpty();
        assertThat(LakeRows.diff(eventsUninterrupted, LakeRows.of(spark, lake, EVENTS_RULES)))
                .as("tables after the re-run against the uninterrupted run").isEmpty();
    }

    @Test
    void eventsKilledWithSigkillWhenItsFirstCommitAppearsRecoversOnReRun(SparkSession spark) throws Exception {
        Path lake = tmp.resolve("killed");
        Path firstCommit = lake.resolve("events/live_stream/_delta_log/00000000000000000000.json");
        AppJar.Started job = AppJar.start(tmp.resolve("jvm"), eventsArgs(lake, raw), Map.of());
        long deadline = System.nanoTime() + AppJar.TIMEOUT_MINUTES * 60_000_000_000L;
        while (!Files.exists(firstCommit) && job.process().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        boolean wasRunning = job.process().isAlive();
        job.process().destroyForcibly();
        AppJar.Run killed = job.await();

        assertThat(wasRunning).as("the job was still running when its first commit appeared\n" + killed.stderr())
                .isTrue();
        assertThat(killed.exitCode()).isEqualTo(SIGKILL_STATUS);
        assertThat(lake.resolve("_meta/events_ledger/_delta_log")).as("killed before the ledger").doesNotExist();

        assertThat(eventsInProcess(spark, lake, raw).failures()).isEmpty();
        assertThat(LakeRows.diff(eventsUninterrupted, LakeRows.of(spark, lake, EVENTS_RULES)))
                .as("tables after the re-run against the uninterrupted run").isEmpty();
    }

    /**
     * An incremental run (new events and redeliveries of stored ones, so every way a table takes rows is used: append,
     * append past held copies, create) killed with SIGKILL at a moment drawn at random: a little after the k-th of
     * its commits appears, k and the delay drawn from a seed the test prints.
     */
    @Test
    void eventsIncrementalKilledWithSigkillAtARandomMomentRecoversOnReRun(SparkSession spark) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int commits = 1 + random.nextInt(6);
        int delayMs = random.nextInt(300);
        Path rawRoot = tmp.resolve("raw");
        landEvents(rawRoot, 120);
        Path base = tmp.resolve("base");
        assertThat(eventsInProcess(spark, base, rawRoot).failures()).isEmpty();
        List<LiveEventGenerator.Message> stored = generator(5).list(120);
        List<LiveEventMessage> again = stored.subList(10, 16).stream().map(m -> new LiveEventMessage(
                m.messageId() + "-again", m.receivedAt().plusSeconds(3600), m.attributes(), m.body())).toList();
        new BatchLander(new LocalObjectStore(rawRoot)).land(again);
        SandboxEventsCommand.land(generator(6), 80, rawRoot, 20);
        Path uninterrupted = CrashDrill.copy(base, tmp.resolve("uninterrupted"));
        assertThat(eventsInProcess(spark, uninterrupted, rawRoot).failures()).isEmpty();

        Path lake = CrashDrill.copy(base, tmp.resolve("killed"));
        long before = commits(lake);
        AppJar.Started job = AppJar.start(tmp.resolve("jvm"), eventsArgs(lake, rawRoot), Map.of());
        long deadline = System.nanoTime() + AppJar.TIMEOUT_MINUTES * 60_000_000_000L;
        while (commits(lake) < before + commits && job.process().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(delayMs);
        boolean wasRunning = job.process().isAlive();
        job.process().destroyForcibly();
        AppJar.Run killed = job.await();
        String moment = "SIGKILL " + delayMs + " ms after commit " + commits + " of the run (seed " + seed + ")";
        System.out.println("KillNineIT: " + moment);

        assertThat(wasRunning).as("the job was still running at the moment drawn: " + moment + "\n"
                + killed.stderr()).isTrue();
        assertThat(killed.exitCode()).isEqualTo(SIGKILL_STATUS);
        assertThat(eventsInProcess(spark, lake, rawRoot).failures()).isEmpty();
        assertThat(LakeRows.diff(LakeRows.of(spark, uninterrupted, EVENTS_RULES),
                LakeRows.of(spark, lake, EVENTS_RULES))).as("tables after the re-run, " + moment).isEmpty();
    }

    /**
     * How many Delta commits the lake's tables hold. Read while the job writes: a temporary file that goes between
     * the listing of its folder and the reading of its attributes is skipped (a plain walk threw then).
     */
    private static long commits(Path lake) throws IOException {
        long[] count = {0};
        Files.walkFileTree(lake, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attributes) {
                if (f.getParent() != null && f.getParent().getFileName().toString().equals("_delta_log")
                        && f.getFileName().toString().matches("\\d{20}\\.json")) {
                    count[0]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return count[0];
    }

    @Test
    void canvasKilledByHaltBetweenHistoryAndLatestRecoversOnReRun(SparkSession spark) throws Exception {
        LakeRows.Rules rules = LakeRows.Rules.dropping("*").rankTimes("snapshot_at", "valid_from", "valid_to");
        try (FakeCanvasServer canvas = FakeCanvasServer.start(Institution.generate(11, Institution.Size.TEST))) {
            Path uninterrupted = tmp.resolve("uninterrupted");
            Path lake = tmp.resolve("killed");
            assertThat(canvasInProcess(spark, uninterrupted, canvas).failures()).isEmpty();

            // users done, courses' history committed, its latest table and the per-course entities not
            String point = CanvasJob.CRASH_AFTER_HISTORY + "courses";
            AppJar.Run killed = AppJar.start(tmp.resolve("jvm"), canvasArgs(lake, canvas), Map.of(CrashPoints.ENV,
                    point, CrashPoints.MODE_ENV, "halt")).await();
            assertThat(killed.exitCode()).as(killed.stderr()).isEqualTo(CrashPoints.HALT_STATUS);
            assertThat(killed.stderr()).contains("CRASH POINT " + point + " reached");
            assertThat(lake.resolve("canvas/courses_history/_delta_log")).isDirectory();
            assertThat(lake.resolve("canvas/courses")).as("killed before courses' latest table").doesNotExist();

            assertThat(canvasInProcess(spark, lake, canvas).failures()).isEmpty();
            assertThat(LakeRows.diff(LakeRows.of(spark, uninterrupted, rules), LakeRows.of(spark, lake, rules)))
                    .as("tables after the re-run against the uninterrupted runs").isEmpty();
        }
    }

    /** Sandbox events of six types, so that the job writes table after table for a while. */
    private static LiveEventGenerator generator(long seed) {
        return new LiveEventGenerator(Institution.generate(5, Institution.Size.TEST), seed).only("asset_accessed",
                "logged_in", "submission_created", "grade_change", "discussion_entry_created", "attachment_created");
    }

    /** Sandbox events of six types (so the job writes table after table for a while), landed as the lander does. */
    private static Path landEvents(Path root, int count) {
        try {
            SandboxEventsCommand.land(generator(5), count, root, 20);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> eventsArgs(Path lake, Path raw) {
        // one table at a time: the job commits table after table, the ledger last
        return List.of("events", "--lake", lake.toString(), "--raw-root", raw.toString(), "--write-threads", "1");
    }

    private static RunReport eventsInProcess(SparkSession spark, Path lake, Path raw) {
        return inProcess(new EventsJob(), spark, eventsArgs(lake, raw));
    }

    private static List<String> canvasArgs(Path lake, FakeCanvasServer canvas) {
        return List.of("canvas", "--lake", lake.toString(), "--canvas-url", canvas.baseUrl(), "--canvas-token",
                canvas.token(), "--per-page", "50", "--max-requests-per-second", "1000");
    }

    private static RunReport canvasInProcess(SparkSession spark, Path lake, FakeCanvasServer canvas) {
        return inProcess(new CanvasJob(), spark, canvasArgs(lake, canvas));
    }

    private static RunReport inProcess(SparkJob job, SparkSession spark, List<String> args) {
        Options options = Options.parse(job.spec(), new ArrayList<>(args.subList(1, args.size())));
        return job.runWith(spark, options, job.runReport(options));
    }
}
