package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.Test;

/** {@code canvaslake dap list|schema} and the command line's checks, against the fake DAP API (no Spark). */
class DapCommandTest {

    private static Options parse(FakeDapServer server, String... args) {
        Map<String, String> env = server == null ? Map.of()
                : Map.of("DAP_CLIENT_ID", server.clientId(), "DAP_CLIENT_SECRET", server.clientSecret(),
                        "DAP_API_URL", server.baseUrl());
        return Options.parse(new DapCommand().spec(), List.of(args), env::get, SecretResolver.aws());
    }

    @Test
    void listPrintsTheTablesAndSchemaPrintsTheDapSchemaAndTheColumnsItBecomes() {
        try (FakeDapServer server = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DapCommand.list(parse(server, "list"), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("users\n", "submissions\n",
                    "(8 tables in canvas)");

            out.reset();
            DapCommand.schema(parse(server, "schema", "courses"), "courses",
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("\"version\" : 1")
                    .contains("cd2.courses (schema version 1, key [id]):")
                    .contains("  id  bigint  key")
                    .contains("  settings  string  (JSON text)")
                    .contains("  start_at  timestamp");
        }
    }

    @Test
    void commandLineMistakesAreUsageErrorsThatSayWhatToDo() {
        DapCommand command = new DapCommand();
        assertThatThrownBy(() -> command.run(parse(null, "frobnicate")))
                .isInstanceOf(UsageException.class).hasMessageContaining("dap [sync] | dap list | dap schema <table>");
        assertThatThrownBy(() -> command.run(parse(null, "sync", "--all", "--tables", "users")))
                .isInstanceOf(UsageException.class).hasMessageContaining("either --tables or --all");
        assertThatThrownBy(() -> command.run(parse(null, "schema")))
                .isInstanceOf(UsageException.class).hasMessageContaining("give one table");
        assertThatThrownBy(() -> command.run(parse(null, "list")))
                .isInstanceOf(UsageException.class).hasMessageContaining("DAP_CLIENT_ID");
        assertThat(command.spec().help()).contains("--client-secret", "[env DAP_CLIENT_SECRET]", "--pg-url",
                "--jdbc-url", "--jobs-per-minute", "--parallelism", "never printed");
    }
}
