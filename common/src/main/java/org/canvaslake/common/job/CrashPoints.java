package org.canvaslake.common.job;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Named places in the jobs where a crash would hurt most (data written, bookkeeping not yet), for the crash tests.
 * Only the environment variable {@code CANVASLAKE_CRASH_AT} (or the system property {@code canvaslake.crashAt})
 * switches one on — tests set it, nothing else does. With mode {@code halt} ({@code CANVASLAKE_CRASH_MODE} or
 * {@code canvaslake.crashMode}) the JVM dies on the spot as under {@code kill -9}; otherwise an exception is thrown.
 *
 * <p>The exception mode stands in for the kill inside one JVM, so that many crashes can be tried cheaply. A thrown
 * exception alone would let the rest of the job go on (a writer thread next to the crashed one, a loop that reports
 * a failed unit and moves to the next, the run report written at the end), which a killed process never does. So
 * once a point has fired the process counts as dead: every later {@link #check} throws as well, and code that
 * would go on calls {@link #stopIfCrashed()} before its next write. The process lives again as soon as the crash
 * points are switched off or changed (or {@link #reset()} is called), so a test's next run is a normal one. Nothing
 * of this happens unless a point is switched on.
 */
public final class CrashPoints {

    public static final String ENV = "CANVASLAKE_CRASH_AT";
    public static final String PROPERTY = "canvaslake.crashAt";
    public static final String MODE_ENV = "CANVASLAKE_CRASH_MODE";
    public static final String MODE_PROPERTY = "canvaslake.crashMode";
    /** The exit status of a halted JVM: what a shell reports for a process killed by SIGKILL. */
    public static final int HALT_STATUS = 137;

    /** The point that fired, and the setting that switched it on (the process is dead while that setting holds). */
    private record Fired(String point, String setting) {
    }

    private static final AtomicReference<Fired> FIRED = new AtomicReference<>();

    /** Tests only: what runs when a thread reaches a point ({@link #onReach}); empty otherwise. */
    private static final Map<String, Runnable> REACHED = new ConcurrentHashMap<>();

    private CrashPoints() {
    }

    /** Crashes here if this point is switched on, or if another point already crashed the process. */
    public static void check(String point) {
        stopIfCrashed();
        Runnable reached = REACHED.get(point);
        if (reached != null) {
            reached.run();
        }
        String setting = setting();
        Set<String> on = points(setting);
        if (on.isEmpty() || !on.contains(point)) {
            return;
        }
        System.err.println("CRASH POINT " + point + " reached: crashing as the test asked");
        System.err.flush();
        if (halt()) {
            Runtime.getRuntime().halt(HALT_STATUS);
        }
        FIRED.set(new Fired(point, setting));
        throw new InjectedCrash(point);
    }

    /**
     * Throws when a crash point has fired in this process (exception mode): the work that would follow (another
     * table, the run report) must not happen, as it would not after a kill.
     */
    public static void stopIfCrashed() {
        Fired fired = FIRED.get();
        if (fired != null && fired.setting().equals(setting())) {
            throw new InjectedCrash(fired.point(), true);
        }
    }

    /** The point that crashed this process, while the crash points that made it fire are still switched on. */
    public static Optional<String> fired() {
        Fired fired = FIRED.get();
        return fired != null && fired.setting().equals(setting()) ? Optional.of(fired.point()) : Optional.empty();
    }

    /**
     * Tests only: {@code action} runs in the thread that reaches {@code point}, each time one does, until {@link
     * #clearReached}. Two runs of a job in one JVM can so be made to interleave where a test needs them to (one holds
     * at a point while the other runs), instead of by chance.
     */
    public static void onReach(String point, Runnable action) {
        REACHED.put(point, action);
    }

    /** Tests only: no point runs an action any more. */
    public static void clearReached() {
        REACHED.clear();
    }

    /** Tests only: the process is alive again (after a crashed run, before the re-run). */
    public static void reset() {
        FIRED.set(null);
    }

    static Set<String> active() {
        return points(setting());
    }

    private static String setting() {
        String v = System.getProperty(PROPERTY, System.getenv(ENV));
        return v == null ? "" : v.trim();
    }

    private static Set<String> points(String setting) {
        if (setting.isEmpty()) {
            return Set.of();
        }
        return Arrays.stream(setting.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
    }

    private static boolean halt() {
        return "halt".equals(System.getProperty(MODE_PROPERTY, System.getenv(MODE_ENV)));
    }

    /** The exception a crash point throws. */
    public static final class InjectedCrash extends RuntimeException {
        private final String point;

        public InjectedCrash(String point) {
            this(point, false);
        }

        InjectedCrash(String point, boolean aftermath) {
            super(aftermath ? "stopped: the process crashed at " + point + " before this"
                    : "injected crash at " + point);
            this.point = point;
        }

        public String point() {
            return point;
        }
    }
}
