package org.canvaslake.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.sandbox.Institution;

/**
 * What the sandbox's fake APIs ({@code sandbox serve}: Canvas REST, {@code sandbox dap}: DAP) share on the command
 * line: the options choosing the institution, numbers read with messages that name the option, the line describing
 * what is served, and serving until the JVM is stopped. One place, so both commands read and behave alike.
 */
final class FakeApiServing {

    static final OptionSpec SEED = OptionSpec.value("seed", "42",
            "Seed of the synthetic institution (the demo, the events and the other fake API use 42)");
    static final OptionSpec SIZE = OptionSpec.value("size", "demo",
            "Institution size: demo (200 users, 20 courses) or test (40, 6)");

    private FakeApiServing() {
    }

    static OptionSpec port(int defaultPort) {
        return OptionSpec.value("port", String.valueOf(defaultPort),
                "Port on 127.0.0.1 to listen on (0: any free port)");
    }

    static Institution.Size size(Options options) {
        String size = options.get("size").orElse("demo").toLowerCase(Locale.ROOT);
        return switch (size) {
            case "demo" -> Institution.Size.DEMO;
            case "test" -> Institution.Size.TEST;
            default -> throw new UsageException("--size must be demo or test, got '" + size + "'");
        };
    }

    /** A decimal option; the message names the option when it is not a number. */
    static double number(Options options, String name) {
        String v = options.get(name).orElse("0");
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** A decimal option that must be 0 or more. */
    static double nonNegative(Options options, String name) {
        double d = number(options, name);
        if (d < 0 || Double.isNaN(d)) {
            throw new UsageException("--" + name + " must be 0 or more, got '" + options.get(name).orElse("") + "'");
        }
        return d;
    }

    /** A default as --help shows it: 10 rather than 10.0. */
    static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** "seed 42, snapshot 0: 200 users, 20 courses, 120 assignments, 520 enrollments". */
    static String institution(Institution i) {
        return "seed " + i.seed() + ", snapshot " + i.version() + ": " + i.users().size() + " users, "
                + i.courses().size() + " courses, " + i.assignments().size() + " assignments, "
                + i.enrollments().size() + " enrollments";
    }

    /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes the resources, last opened first. */
    static void serveUntilStopped(String name, AutoCloseable... resources) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        List<AutoCloseable> reversed = new ArrayList<>(List.of(resources));
        Collections.reverse(reversed);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable r : reversed) {
                try {
                    r.close();
                } catch (Exception e) {
                    System.err.println(name + ": could not stop cleanly: " + e.getMessage());
                }
            }
            stopped.countDown();
        }, name + "-stop"));
        stopped.await();
    }
}
