package org.canvaslake.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.junit.jupiter.api.Test;

class SandboxServeCommandTest {

    private final SandboxServeCommand command = new SandboxServeCommand();

    @Test
    void startsTheFakeForTheChosenInstitutionAndPrintsHowToUseIt() {
        Options options = Options.parse(command.spec(), List.of("--port", "0", "--seed", "5", "--size", "test",
                "--snapshot", "1", "--throttle-status", "429", "--max-per-page", "50", "--token", "tok-1"));
        Institution expected = Institution.generate(5, Institution.Size.TEST).evolve(1);

        try (FakeCanvasServer server = SandboxServeCommand.start(options)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SandboxServeCommand.describe(server, new PrintStream(out, true, StandardCharsets.UTF_8));
            String printed = out.toString(StandardCharsets.UTF_8);

            assertThat(server.institution().users()).isEqualTo(expected.users());
            assertThat(server.settings().throttleStatus()).isEqualTo(429);
            assertThat(server.settings().maxPerPage()).isEqualTo(50);
            assertThat(printed).contains("URL:   " + server.baseUrl()).contains("token: tok-1")
                    .contains("./canvaslake canvas --canvas-url " + server.baseUrl() + " --canvas-token tok-1")
                    .contains("snapshot 1");
        }
    }

    @Test
    void refusesSettingsTheFakeCannotPlay() {
        assertThatThrownBy(() -> SandboxServeCommand.start(Options.parse(command.spec(),
                List.of("--port", "0", "--size", "huge")))).isInstanceOf(UsageException.class)
                .hasMessageContaining("--size");
        assertThatThrownBy(() -> SandboxServeCommand.start(Options.parse(command.spec(),
                List.of("--port", "0", "--throttle-status", "500")))).isInstanceOf(UsageException.class)
                .hasMessageContaining("403 or 429");
    }
}
