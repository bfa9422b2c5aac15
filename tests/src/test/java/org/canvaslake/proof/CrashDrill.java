package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.canvaslake.common.io.FileTrees;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's crash drill: crash a run at a named point (in-process, {@link CrashPoints}' exception mode, which
 * stops the rest of the run as a kill would), run the job again normally, and compare what the lake holds with
 * the same runs uninterrupted. Keeps the tally of every drill in the JVM, for the suite's total.
 */
final class CrashDrill {

    private static final Logger LOG = LoggerFactory.getLogger(CrashDrill.class);

    /** Every crash tried in this JVM: "job / moment @ point" → empty when it held, else what differed. */
    private static final List<Map.Entry<String, String>> RESULTS = Collections.synchronizedList(new ArrayList<>());

    private final String job;
    private final List<String> notHeld = new ArrayList<>();
    private int tried;

    CrashDrill(String job) {
        this.job = job;
    }

    /**
     * Crashes {@code run} at {@code point}, runs it again, and compares {@code contents} with {@code expected}.
     *
     * @param moment which run crashed, e.g. "first run" or "incremental run"
     */
    void crashThenRerun(String moment, String point, Supplier<RunReport> run,
                        Supplier<Map<String, List<String>>> contents, Map<String, List<String>> expected) {
        String fired = null;
        RunReport unreached = null;
        CrashPoints.reset();
        System.setProperty(CrashPoints.PROPERTY, point);
        try {
            unreached = run.get();
        } catch (CrashPoints.InjectedCrash crash) {
            fired = crash.point();
        } finally {
            System.clearProperty(CrashPoints.PROPERTY);
            CrashPoints.reset();
        }
        String label = job + " / " + moment + " @ " + point;
        assertThat(fired).as("crash point %s was not reached (the run ended %s with %s): the job no longer passes "
                + "there, so the test's list of points needs updating", label,
                unreached == null ? "?" : unreached.status(), unreached == null ? "?" : unreached.failures())
                .isEqualTo(point);

        RunReport rerun = run.get();
        assertThat(rerun.failures()).as("the re-run after a crash at %s", label).isEmpty();
        tried++;
        String diff = LakeRows.diff(expected, contents.get());
        RESULTS.add(Map.entry(label, diff));
        if (diff.isEmpty()) {
            LOG.info("crash held: {}: the re-run left the same tables as the uninterrupted runs", label);
        } else {
            notHeld.add(label + "\n" + diff);
            LOG.error("crash NOT held: {}:\n{}", label, diff);
        }
    }

    String job() {
        return job;
    }

    int tried() {
        return tried;
    }

    /** The crashes of this job whose re-run differed from the uninterrupted runs, with what differed. */
    List<String> notHeld() {
        return notHeld;
    }

    static int totalTried() {
        return RESULTS.size();
    }

    static int totalHeld() {
        synchronized (RESULTS) {
            return (int) RESULTS.stream().filter(r -> r.getValue().isEmpty()).count();
        }
    }

    static List<String> labels() {
        synchronized (RESULTS) {
            return RESULTS.stream().map(r -> r.getKey() + (r.getValue().isEmpty() ? ": held" : ": NOT held")).toList();
        }
    }

    /** CPU time of this JVM (all its threads, Spark's included), to tell the work from the wait on a busy machine. */
    static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /** Copies a directory tree (a lake saved after a baseline run, to start a drill from). */
    static Path copy(Path from, Path to) {
        try {
            return FileTrees.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + from + " to " + to, e);
        }
    }
}
