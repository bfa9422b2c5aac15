package org.canvaslake.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.canvaslake.common.job.CommonOptions;
import org.canvaslake.common.secrets.SecretResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

    private static final CommandSpec SPEC = new CommandSpec("events", "compact", "events [options]")
            .options(CommonOptions.ALL)
            .option(OptionSpec.flag("full", "rebuild"))
            .option(OptionSpec.value("entities", "users,courses", "which"))
            .option(OptionSpec.value("concurrency", "4", "how many"))
            .option(OptionSpec.secret("canvas-token", "CANVAS_TOKEN", "token"));

    private static final SecretResolver FAKE_AWS = new SecretResolver(
            name -> "from-ssm:" + name, id -> "from-sm:" + id, Map.of("OTHER", "from-env")::get);

    private static Options parse(List<String> args, Map<String, String> env) {
        return Options.parse(SPEC, args, env::get, FAKE_AWS);
    }

    @Test
    void acceptsAndIgnoresTheArgumentsGlueInjects() {
        Options o = parse(List.of("--JOB_ID", "j_123", "--JOB_RUN_ID", "jr_abc", "--job-bookmark-option",
                "job-bookmark-disable", "--TempDir", "s3://tmp/x", "--lake", "s3://bucket/lake", "--JOB_NAME", "events",
                "--enable-glue-datacatalog", "true", "--full", "false"), Map.of());

        assertThat(o.get("lake")).contains("s3://bucket/lake");
        assertThat(o.flag("full")).isFalse();
        assertThat(o.positional()).isEmpty();
    }

    @Test
    void flagsStandAloneOrTakeAnExplicitValue() {
        assertThat(parse(List.of("--full"), Map.of()).flag("full")).isTrue();
        assertThat(parse(List.of("--full", "true", "extra"), Map.of()).positional()).containsExactly("extra");
        assertThat(parse(List.of("--full=false"), Map.of()).flag("full")).isFalse();
        assertThat(parse(List.of(), Map.of()).flag("full")).isFalse();
    }

    @Test
    void unknownOptionsFailNamingTheCommandAndTheFix() {
        assertThatThrownBy(() -> parse(List.of("--lak", "x"), Map.of()))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--lak").hasMessageContaining("canvaslake events --help");
    }

    @Test
    void readAgainstASubcommandsSpecTheGivenValuesStayAndItsOwnDefaultsApply() {
        CommandSpec sub = new CommandSpec("sub", "a subcommand", "group sub [options]")
                .option(OptionSpec.value("concurrency", "8", "how many"))
                .option(OptionSpec.value("entities", "all", "which"));
        Options given = parse(List.of("sub", "--concurrency", "2"), Map.of());

        Options forSub = given.forSpec(sub);
        assertThat(forSub.get("concurrency")).contains("2");
        assertThat(forSub.get("entities")).contains("all");
        assertThat(forSub.positional()).containsExactly("sub");
        assertThatThrownBy(() -> parse(List.of("--full"), Map.of()).forSpec(sub))
                .isInstanceOf(UsageException.class).hasMessageContaining("--full").hasMessageContaining("group sub");
    }

    @Test
    void missingValueIsAUsageError() {
        assertThatThrownBy(() -> parse(List.of("--lake"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("needs a value");
    }

    @Test
    void defaultsListsAndNumbers() {
        Options o = parse(List.of("--entities", "users, courses ,assignments"), Map.of());
        assertThat(o.list("entities")).containsExactly("users", "courses", "assignments");
        assertThat(o.getInt("concurrency")).isEqualTo(4);
        assertThat(o.get("lake")).contains("./lake");
        assertThatThrownBy(() -> parse(List.of("--concurrency", "many"), Map.of()).getInt("concurrency"))
                .isInstanceOf(UsageException.class).hasMessageContaining("whole number");
    }

    @Test
    void environmentVariableBacksAnOptionBelowTheCommandLine() {
        assertThat(parse(List.of(), Map.of("CANVASLAKE_LAKE", "/data/lake")).get("lake")).contains("/data/lake");
        assertThat(parse(List.of("--lake", "/cli"), Map.of("CANVASLAKE_LAKE", "/data/lake")).get("lake"))
                .contains("/cli");
    }

    @Test
    void secretsComeFromOptionEnvOrAReferenceAndAreNeverShown() {
        assertThat(parse(List.of("--canvas-token", "abc123"), Map.of()).secret("canvas-token").orElseThrow().reveal())
                .isEqualTo("abc123");
        assertThat(parse(List.of(), Map.of("CANVAS_TOKEN", "envtok")).secret("canvas-token").orElseThrow().reveal())
                .isEqualTo("envtok");
        assertThat(parse(List.of("--canvas-token", "ssm:/canvaslake/token"), Map.of()).secret("canvas-token")
                .orElseThrow().reveal()).isEqualTo("from-ssm:/canvaslake/token");
        assertThat(parse(List.of(), Map.of("CANVAS_TOKEN", "secretsmanager:prod/canvas")).secret("canvas-token")
                .orElseThrow().reveal()).isEqualTo("from-sm:prod/canvas");

        Options o = parse(List.of("--canvas-token", "abc123"), Map.of());
        assertThat(o.secret("canvas-token").orElseThrow().toString()).doesNotContain("abc123");
        assertThat(o.describe()).containsEntry("canvas-token", "****");
        assertThat(o.describe().toString()).doesNotContain("abc123");
    }

    @Test
    void missingRequiredSecretNamesOptionAndVariable() {
        assertThatThrownBy(() -> parse(List.of(), Map.of()).requireSecret("canvas-token"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--canvas-token").hasMessageContaining("CANVAS_TOKEN");
    }

    @Test
    void configFileHoldsTheSameOptionsAndTheCommandLineWins(@TempDir Path dir) throws Exception {
        Path props = dir.resolve("job.properties");
        Files.writeString(props, "lake=s3://from-file/lake\nconcurrency=8\n");
        Options o = parse(List.of("--config", props.toString(), "--concurrency", "2"), Map.of());
        assertThat(o.get("lake")).contains("s3://from-file/lake");
        assertThat(o.getInt("concurrency")).isEqualTo(2);

        Path json = dir.resolve("job.json");
        Files.writeString(json, "{\"full\": true, \"entities\": \"users\"}");
        Options j = parse(List.of("--config", json.toString()), Map.of());
        assertThat(j.flag("full")).isTrue();
        assertThat(j.list("entities")).containsExactly("users");
    }

    @Test
    void configFileWithAnUnknownOptionIsRejected(@TempDir Path dir) throws Exception {
        Path props = dir.resolve("bad.properties");
        Files.writeString(props, "laek=oops\n");
        assertThatThrownBy(() -> parse(List.of("--config", props.toString()), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("laek").hasMessageContaining(props.toString());
        assertThatThrownBy(() -> parse(List.of("--config", dir.resolve("nope.json").toString()), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("does not exist");
    }

    @Test
    void helpListsEveryOption() {
        String help = SPEC.help();
        for (String name : SPEC.options().keySet()) {
            assertThat(help).contains("--" + name);
        }
        assertThat(help).contains("[env CANVAS_TOKEN]").contains("never printed");
    }
}
