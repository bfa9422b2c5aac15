package org.canvaslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.canvaslake.common.json.Json;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** How Glue and EMR name the command, and the listing the deployment checks read. */
class MainPlatformArgumentsTest {

    @Test
    void glueCommandParameterMayCarryASubcommand() {
        List<String> args = new ArrayList<>(List.of("--lake", "s3://l", "--command", "dap sync", "--tables", "users"));

        assertThat(Main.commandName(args)).isEqualTo("dap");
        assertThat(args).containsExactly("sync", "--lake", "s3://l", "--tables", "users");
    }

    @Test
    void glueCommandParameterWithEqualsSign() {
        List<String> args = new ArrayList<>(List.of("--JOB_NAME", "x", "--command=events"));

        assertThat(Main.commandName(args)).isEqualTo("events");
        assertThat(args).containsExactly("--JOB_NAME", "x");
    }

    @Test
    void firstPositionalIsTheCommandOnTheCommandLine() {
        List<String> args = new ArrayList<>(List.of("dap", "sync", "--all"));

        assertThat(Main.commandName(args)).isEqualTo("dap");
        assertThat(args).containsExactly("sync", "--all");
    }

    @Test
    void listingNamesEveryJobWithUsageAndAvailability() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new String[] {"commands"});
        } finally {
            System.setOut(original);
        }
        JsonNode listing = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));

        assertThat(code).isZero();
        assertThat(listing.fieldNames()).toIterable()
                .contains("events", "canvas", "dap", "product", "mirror", "sql", "drain", "sandbox", "demo");
        for (String job : List.of("events", "canvas", "dap", "product", "mirror")) {
            assertThat(listing.path(job).path("options").has("lake")).as(job + " --lake").isTrue();
            assertThat(listing.path(job).path("options").has("raw-root")).as(job + " --raw-root").isTrue();
            assertThat(listing.path(job).path("options").has("sns-topic-arn")).as(job + " --sns-topic-arn").isTrue();
            assertThat(listing.path(job).path("usage").asText()).startsWith(job);
            assertThat(listing.path(job).path("available").isBoolean()).as(job + " available").isTrue();
        }
        assertThat(listing.path("sql").path("available").asBoolean()).isTrue();
    }
}
