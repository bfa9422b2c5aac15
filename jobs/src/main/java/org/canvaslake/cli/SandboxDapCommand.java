package org.canvaslake.cli;

import static org.canvaslake.cli.FakeApiServing.fmt;
import static org.canvaslake.cli.FakeApiServing.nonNegative;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.sandbox.dap.FakeDapServer;

/**
 * {@code canvaslake sandbox dap}: the sandbox institution as a local fake DAP API (Canvas Data 2), until stopped, so
 * that {@code canvaslake dap sync} can be tried, demonstrated and debugged without Instructure credentials. It prints
 * the base URL, the sandbox client id and secret, and the sync command to run against it. With
 * {@code --advance-every} the institution changes on a timer, so later syncs are incrementals with updates, inserts
 * and deletes. A subcommand of {@code sandbox}.
 */
public final class SandboxDapCommand implements Command {

    @Override
    public CommandSpec spec() {
        FakeDapServer.Settings d = FakeDapServer.Settings.defaults();
        return new CommandSpec("dap",
                "Serve the sandbox institution as a fake DAP API (Canvas Data 2: accounts, users, courses, "
                        + "enrollments, assignments, submissions, ...) for 'canvaslake dap', until stopped",
                "sandbox dap [--port P] [--seed S] [--size demo|test] [--advance-every SECONDS]")
                .option(FakeApiServing.port(8766))
                .option(FakeApiServing.SEED)
                .option(FakeApiServing.SIZE)
                .option(OptionSpec.value("token-lifetime-seconds", fmt(d.tokenLifetime().toSeconds()),
                        "How long a bearer token from /ids/auth/login stays valid (expires_in); short values exercise "
                                + "the client's token renewal"))
                .option(OptionSpec.value("polls-until-complete", String.valueOf(d.pollsUntilComplete()),
                        "Polls of GET /dap/job/{id} a query job takes to go waiting, running, complete"))
                .option(OptionSpec.value("job-limit", String.valueOf(d.jobsPerWindow()),
                        "Query jobs accepted per --job-window-seconds; more are answered 429 with Retry-After"))
                .option(OptionSpec.value("job-window-seconds", fmt(d.jobWindow().toMillis() / 1000.0),
                        "The window of --job-limit"))
                .option(OptionSpec.value("fail-every-nth-job", String.valueOf(d.failEveryNthJob()),
                        "Every n-th query job ends in status failed (0: none)"))
                .option(OptionSpec.value("records-per-object", String.valueOf(d.recordsPerObject()),
                        "Records per downloadable gzip JSON-lines object (a table's result is split into parts)"))
                .option(OptionSpec.value("advance-every", "0",
                        "Every this many seconds, move the institution one step on and commit the changes (updates, "
                                + "inserts, hard deletes) so the next sync is an incremental with data; 0: never"));
    }

    @Override
    public int run(Options options) throws InterruptedException {
        FakeDapServer server = start(options);
        ScheduledExecutorService advancing = advanceEvery(server, nonNegative(options, "advance-every"));
        describe(server, nonNegative(options, "advance-every"), System.out);
        FakeApiServing.serveUntilStopped("fake-dap", server, advancing::shutdownNow);
        return 0;
    }

    /** Starts the fake as the options say (the caller closes it). */
    static FakeDapServer start(Options options) {
        FakeDapServer.Settings settings;
        try {
            settings = FakeDapServer.Settings.defaults()
                    .withPort(options.getInt("port"))
                    .withSeed(options.getLong("seed"))
                    .withSize(FakeApiServing.size(options))
                    .withTokenLifetime(seconds(options, "token-lifetime-seconds"))
                    .withPollsUntilComplete(options.getInt("polls-until-complete"))
                    .withJobLimit(options.getInt("job-limit"), seconds(options, "job-window-seconds"))
                    .withFailEveryNthJob(options.getInt("fail-every-nth-job"))
                    .withRecordsPerObject(options.getInt("records-per-object"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return FakeDapServer.start(settings);
    }

    /** A daemon timer committing one evolution step every {@code seconds} (none when 0). */
    static ScheduledExecutorService advanceEvery(FakeDapServer server, double seconds) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-dap-advance");
            t.setDaemon(true);
            return t;
        });
        if (seconds > 0) {
            long millis = Math.max(1, (long) (seconds * 1000));
            timer.scheduleAtFixedRate(() -> {
                Instant at = server.advance();
                System.out.println("Fake DAP API: the institution moved on (" + FakeApiServing.institution(
                        server.institution()) + "), committed at " + at);
            }, millis, millis, TimeUnit.MILLISECONDS);
        }
        return timer;
    }

    static void describe(FakeDapServer server, double advanceEvery, PrintStream out) {
        String base = server.baseUrl();
        String credentials = " --client-id " + server.clientId() + " --client-secret " + server.clientSecret();
        out.println("Fake DAP API serving the sandbox institution (" + FakeApiServing.institution(server.institution())
                + ") as " + server.tableNames().size() + " Canvas Data 2 tables: " + String.join(", ",
                server.tableNames()));
        out.println("  base URL:      " + base);
        out.println("  client id:     " + server.clientId());
        out.println("  client secret: " + server.clientSecret() + "   (sandbox values, not secrets)");
        out.println("  last commit:   " + server.lastCommit() + (advanceEvery > 0
                ? ", then one every " + fmt(advanceEvery) + " s" : " (no changes until restarted with "
                + "--advance-every)"));
        out.println("Try:");
        out.println("  ./canvaslake dap list --base-url " + base + credentials);
        out.println("  ./canvaslake dap sync --base-url " + base + credentials + " --all --lake ./lake");
        out.println("  (or export DAP_API_URL=" + base + " DAP_CLIENT_ID=" + server.clientId() + " DAP_CLIENT_SECRET="
                + server.clientSecret() + ")");
        out.println("Ctrl-C stops it.");
        out.flush();
    }

    private static Duration seconds(Options options, String name) {
        double s = nonNegative(options, name);
        if (s == 0) {
            throw new UsageException("--" + name + " must be more than 0");
        }
        return Duration.ofMillis(Math.max(1, (long) (s * 1000)));
    }
}
