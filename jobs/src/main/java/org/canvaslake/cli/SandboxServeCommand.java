package org.canvaslake.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;

/**
 * {@code canvaslake sandbox serve}: the sandbox institution as a local fake Canvas REST API, until stopped. It prints
 * the URL and the token to give {@code canvaslake canvas}. A subcommand of {@code sandbox}.
 */
public final class SandboxServeCommand implements Command {

    @Override
    public CommandSpec spec() {
        FakeCanvasServer.Settings d = FakeCanvasServer.Settings.defaults();
        return new CommandSpec("serve",
                "Serve the sandbox institution as a fake Canvas REST API (users, courses, assignments, enrollments) "
                        + "until stopped",
                "sandbox serve [--port P] [--seed S] [--snapshot N]")
                .option(OptionSpec.value("port", "8765", "Port on 127.0.0.1 to listen on (0: any free port)"))
                .option(OptionSpec.value("seed", "42", "Seed of the synthetic institution (the demo and events use 42)"))
                .option(OptionSpec.value("size", "demo", "Institution size: demo (200 users, 20 courses) or test (40, 6)"))
                .option(OptionSpec.value("snapshot", "0",
                        "Serve the institution this many evolution steps later (renamed, changed, deleted, new objects)"))
                .option(OptionSpec.value("token", FakeCanvasServer.DEFAULT_TOKEN,
                        "Bearer token the fake accepts (a sandbox value, not a secret)"))
                .option(OptionSpec.value("max-per-page", String.valueOf(d.maxPerPage()),
                        "Largest per_page served; bigger requests are capped"))
                .option(OptionSpec.value("bucket", fmt(d.bucketCapacity()),
                        "Rate-limit quota (X-Rate-Limit-Remaining starts here)"))
                .option(OptionSpec.value("leak-per-second", fmt(d.leakPerSecond()),
                        "How fast the quota comes back"))
                .option(OptionSpec.value("cost", fmt(d.requestCost()), "Quota one request costs (X-Request-Cost)"))
                .option(OptionSpec.value("throttle-status", "403",
                        "Status of a throttled request: 403 (self-hosted Canvas) or 429 (hosted)"))
                .option(OptionSpec.value("error-rate", "0",
                        "Share of requests answered 500/503, between 0 and 1 (deterministic)"));
    }

    @Override
    public int run(Options options) throws InterruptedException {
        FakeCanvasServer server = start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "fake-canvas-stop"));
        describe(server, System.out);
        stopped.await();
        return 0;
    }

    /** Starts the fake as the options say (the caller closes it). */
    static FakeCanvasServer start(Options options) {
        String size = options.get("size").orElse("demo").toLowerCase(Locale.ROOT);
        Institution.Size chosen = switch (size) {
            case "demo" -> Institution.Size.DEMO;
            case "test" -> Institution.Size.TEST;
            default -> throw new UsageException("--size must be demo or test, got '" + size + "'");
        };
        Institution institution = Institution.generate(options.getLong("seed"), chosen)
                .evolve(options.getInt("snapshot"));
        FakeCanvasServer.Settings settings;
        try {
            settings = FakeCanvasServer.Settings.defaults()
                    .withPort(options.getInt("port"))
                    .withToken(options.get("token").orElse(FakeCanvasServer.DEFAULT_TOKEN))
                    .withMaxPerPage(options.getInt("max-per-page"))
                    .withBucket(number(options, "bucket"), number(options, "leak-per-second"), number(options, "cost"))
                    .withThrottleStatus(options.getInt("throttle-status"))
                    .withErrors(number(options, "error-rate"), options.getLong("seed"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return FakeCanvasServer.start(institution, settings);
    }

    static void describe(FakeCanvasServer server, PrintStream out) {
        Institution i = server.institution();
        out.println("Fake Canvas REST API serving the sandbox institution (seed " + i.seed() + ", snapshot "
                + i.version() + ": " + i.users().size() + " users, " + i.courses().size() + " courses, "
                + i.assignments().size() + " assignments, " + i.enrollments().size() + " enrollments)");
        out.println("  URL:   " + server.baseUrl());
        out.println("  token: " + server.token());
        out.println("Try:");
        out.println("  ./canvaslake canvas --canvas-url " + server.baseUrl() + " --canvas-token " + server.token());
        out.println("  curl -i -H 'Authorization: Bearer " + server.token() + "' '" + server.baseUrl()
                + "/api/v1/accounts/self/courses?per_page=5'");
        out.println("Ctrl-C stops it.");
        out.flush();
    }

    private static double number(Options options, String name) {
        String v = options.get(name).orElse("0");
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
