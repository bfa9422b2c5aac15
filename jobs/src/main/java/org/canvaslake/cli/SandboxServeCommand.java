package org.canvaslake.cli;

import static org.canvaslake.cli.FakeApiServing.fmt;
import static org.canvaslake.cli.FakeApiServing.number;

import java.io.PrintStream;

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
                .option(FakeApiServing.port(8765))
                .option(FakeApiServing.SEED)
                .option(FakeApiServing.SIZE)
                .option(OptionSpec.value("snapshot", "0", "Serve the institution this many evolution steps later "
                        + "(renamed, changed, deleted, new objects)"))
                .option(OptionSpec.value("token", FakeCanvasServer.DEFAULT_TOKEN,
                        "Bearer token the fake accepts (a sandbox value, not a secret)"))
                .option(OptionSpec.value("max-per-page", String.valueOf(d.maxPerPage()),
                        "Largest per_page served; bigger requests are capped"))
                .option(OptionSpec.value("bucket", fmt(d.bucketCapacity()),
                        "Rate-limit quota (X-Rate-Limit-Remaining starts here)"))
                .option(OptionSpec.value("leak-per-second", fmt(d.leakPerSecond()),
                        "How fast the quota comes back"))
                .option(OptionSpec.value("cost", fmt(d.requestCost()),
                        "Quota one request costs (X-Request-Cost)"))
                .option(OptionSpec.value("throttle-status", "403",
                        "Status of a throttled request: 403 (self-hosted Canvas) or 429 (hosted)"))
                .option(OptionSpec.value("error-rate", "0",
                        "Share of requests answered 500/503, between 0 and 1 (deterministic)"));
    }

    @Override
    public int run(Options options) throws InterruptedException {
        FakeCanvasServer server = start(options);
        describe(server, System.out);
        FakeApiServing.serveUntilStopped("fake-canvas", server);
        return 0;
    }

    /** Starts the fake as the options say (the caller closes it). */
    static FakeCanvasServer start(Options options) {
        Institution institution = Institution.generate(options.getLong("seed"), FakeApiServing.size(options))
                .evolve(options.getInt("snapshot"));
        FakeCanvasServer.Settings settings;
        try {
            settings = FakeCanvasServer.Settings.defaults()
                    .withPort(options.getInt("port"))
                    .withToken(options.get("token").orElse(FakeCanvasServer.DEFAULT_TOKEN))
                    .withMaxPerPage(options.getInt("max-per-page"))
                    .withBucket(number(options, "bucket"), number(options, "leak-per-second"),
                            number(options, "cost"))
                    .withThrottleStatus(options.getInt("throttle-status"))
                    .withErrors(number(options, "error-rate"), options.getLong("seed"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return FakeCanvasServer.start(institution, settings);
    }

    static void describe(FakeCanvasServer server, PrintStream out) {
        out.println("Fake Canvas REST API serving the sandbox institution ("
                + FakeApiServing.institution(server.institution()) + ")");
        out.println("  URL:   " + server.baseUrl());
        out.println("  token: " + server.token());
        out.println("Try:");
        out.println("  ./canvaslake canvas --canvas-url " + server.baseUrl() + " --canvas-token " + server.token());
        out.println("  curl -i -H 'Authorization: Bearer " + server.token() + "' '" + server.baseUrl()
                + "/api/v1/accounts/self/courses?per_page=5'");
        out.println("Ctrl-C stops it.");
        out.flush();
    }
}
