package org.canvaslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.canvaslake.cli.Commands;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

class MainTest {

    record Result(int code, String out, String err) {
    }

    private static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsEveryCommand() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        for (String name : List.of("demo", "events", "canvas", "dap", "product", "sql", "sandbox", "drain")) {
            assertThat(r.out()).contains("  " + name + " ");
        }
    }

    @Test
    void everyCommandHasHelpThatExplainsEveryOption() {
        for (Map.Entry<String, Command> e : Commands.all().entrySet()) {
            Result r = run(e.getKey(), "--help");
            assertThat(r.code()).as(e.getKey()).isZero();
            for (OptionSpec o : e.getValue().spec().options().values()) {
                assertThat(r.out()).as(e.getKey() + " --help").contains("--" + o.name());
                assertThat(o.help()).as(e.getKey() + " --" + o.name()).isNotBlank();
            }
        }
    }

    @Test
    void noCommandOrAnUnknownOneIsAUsageError() {
        assertThat(run().code()).isEqualTo(Main.EXIT_USAGE);
        Result r = run("evnets");
        assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("evnets").contains("canvaslake --help");
    }

    @Test
    void anUnknownOptionIsAUsageErrorNamingIt() {
        Result r = run("sql", "--formt", "csv", "SELECT 1");
        assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("--formt");
    }

    @Test
    void theCommandCanComeAsAGlueJobParameterAmongGluesOwnArguments(@TempDir Path lake) {
        SparkTest.session();
        Result r = run("--JOB_ID", "j_1", "--command", "sql", "--JOB_RUN_ID", "jr_1", "--job-bookmark-option",
                "job-bookmark-disable", "--TempDir", "s3://tmp/glue", "--lake", lake.toString(), "--format", "csv",
                "SELECT 40 + 2 AS answer");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("answer").contains("42");
    }

    @Test
    void theCommandListingIsMachineReadableAndComplete() {
        Result r = run("commands");
        assertThat(r.code()).isZero();
        JsonNode listing = Json.parse(r.out());
        List<String> names = new ArrayList<>();
        listing.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsAll(Commands.all().keySet());
        assertThat(listing.get("sql").get("options").has("lake")).isTrue();
    }
}
