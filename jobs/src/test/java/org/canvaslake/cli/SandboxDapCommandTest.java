package org.canvaslake.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import org.canvaslake.Main;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.dap.DapClient;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.Test;

class SandboxDapCommandTest {

    private final SandboxDapCommand command = new SandboxDapCommand();

    private Options parse(String... args) {
        // through the group, as Main parses it, then handed over with the subcommand's own spec
        return Options.parse(new SandboxCommand().spec(), List.of(args)).forSpec(command.spec());
    }

    @Test
    void servesTheInstitutionToADapClientAndPrintsTheSyncCommand() {
        Options options = parse("dap", "--port", "0", "--seed", "5", "--size", "test", "--token-lifetime-seconds",
                "90", "--polls-until-complete", "1", "--job-limit", "7", "--job-window-seconds", "2",
                "--records-per-object", "20");
        Institution expected = Institution.generate(5, Institution.Size.TEST);

        try (FakeDapServer server = SandboxDapCommand.start(options)) {
            DapClient client = DapClient.create(DapClient.Settings.defaults(server.baseUrl()),
                    new Secret(server.clientId()), new Secret(server.clientSecret()));
            assertThat(client.listTables("canvas")).contains("users", "courses", "enrollments", "submissions");
            assertThat(client.logins()).isEqualTo(1);
            assertThat(server.institution().users()).isEqualTo(expected.users());
            assertThat(server.settings().tokenLifetime()).isEqualTo(Duration.ofSeconds(90));
            assertThat(server.settings().jobsPerWindow()).isEqualTo(7);
            assertThat(server.settings().jobWindow()).isEqualTo(Duration.ofSeconds(2));
            assertThat(server.settings().recordsPerObject()).isEqualTo(20);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SandboxDapCommand.describe(server, 0, new PrintStream(out, true, StandardCharsets.UTF_8));
            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(printed).contains("base URL:      " + server.baseUrl())
                    .contains("client id:     sandbox-client").contains("client secret: sandbox-secret")
                    .contains("./canvaslake dap sync --base-url " + server.baseUrl()
                            + " --client-id sandbox-client --client-secret sandbox-secret --all")
                    .contains("seed 5").contains(expected.users().size() + " users");
        }
    }

    @Test
    void advancesTheInstitutionOnATimerSoSyncsGetIncrementals() throws Exception {
        try (FakeDapServer server = SandboxDapCommand.start(parse("dap", "--port", "0", "--size", "test"))) {
            Instant first = server.lastCommit();
            ScheduledExecutorService timer = SandboxDapCommand.advanceEvery(server, 0.05);
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (server.lastCommit().equals(first) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } finally {
                timer.shutdownNow();
            }
            assertThat(server.lastCommit()).isAfter(first);
            assertThat(server.institution().version()).isPositive();
        }
    }

    @Test
    void helpListsEveryOptionAndBadSettingsAreUsageErrors() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.run(new String[]{"sandbox", "dap", "--help"});
        } finally {
            System.setOut(old);
        }
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(help).startsWith("Usage: canvaslake sandbox dap");
        for (OptionSpec o : command.spec().options().values()) {
            assertThat(help).contains("--" + o.name());
            assertThat(o.help()).isNotBlank();
        }

        assertThatThrownBy(() -> SandboxDapCommand.start(parse("dap", "--size", "huge")))
                .isInstanceOf(UsageException.class).hasMessageContaining("--size");
        assertThatThrownBy(() -> SandboxDapCommand.start(parse("dap", "--port", "70000")))
                .isInstanceOf(UsageException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> SandboxDapCommand.start(parse("dap", "--port", "0", "--token-lifetime-seconds", "0")))
                .isInstanceOf(UsageException.class).hasMessageContaining("--token-lifetime-seconds");
        assertThatThrownBy(() -> SandboxDapCommand.start(parse("dap", "--port", "0", "--job-limit", "0")))
                .isInstanceOf(UsageException.class).hasMessageContaining("jobs per window");
        assertThatThrownBy(() -> parse("dap", "--token", "x")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--token");
    }
}
