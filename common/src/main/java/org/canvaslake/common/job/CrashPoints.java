package org.canvaslake.common.job;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Named places in the jobs where a crash would hurt most (data written, ledger not yet), for the crash tests.
 * Only the environment variable {@code CANVASLAKE_CRASH_AT} (or the system property {@code canvaslake.crashAt})
 * switches one on — tests set it, nothing else does. With {@code halt} the JVM dies on the spot as under
 * {@code kill -9}; otherwise an exception is thrown.
 */
public final class CrashPoints {

    public static final String ENV = "CANVASLAKE_CRASH_AT";

    private CrashPoints() {
    }

    /** Crashes here if this point is switched on; otherwise does nothing. */
    public static void check(String point) {
        Set<String> on = active();
        if (on.isEmpty() || !on.contains(point)) {
            return;
        }
        System.err.println("CRASH POINT " + point + " reached: crashing as the test asked");
        System.err.flush();
        if (halt()) {
            Runtime.getRuntime().halt(137);
        }
        throw new InjectedCrash(point);
    }

    static Set<String> active() {
        String v = System.getProperty("canvaslake.crashAt", System.getenv(ENV));
        if (v == null || v.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    private static boolean halt() {
        return "halt".equals(System.getProperty("canvaslake.crashMode", System.getenv("CANVASLAKE_CRASH_MODE")));
    }

    /** The exception a crash point throws. */
    public static final class InjectedCrash extends RuntimeException {
        public InjectedCrash(String point) {
            super("injected crash at " + point);
        }
    }
}
