package org.canvaslake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.canvaslake.cli.Commands;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.glue.cfn.CfnTemplate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the deployment passes to each job must be what the job takes: every Glue job of the core stack and every
 * EMR Serverless job run is turned into the argument list the platform hands to {@code Main}, then checked against
 * the command listing ({@code canvaslake commands}, produced here at test time) and parsed by the real parser, with
 * the arguments Glue adds by itself.
 *
 * <p>A command whose flow is not built yet (listed with {@code "available": false}) only has its common options;
 * its own options cannot be checked, so its test is skipped and says which options wait for it.
 */
class DeploymentContractTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
    /** What Glue adds to the arguments of every run. */
    private static final List<String> GLUE_INJECTED = List.of("--JOB_ID", "j_0123", "--JOB_RUN_ID", "jr_0123",
            "--JOB_NAME", "canvaslake-job", "--TempDir", "s3://aws-glue-assets-000000000000-us-east-1/temporary/");

    private static JsonNode listing() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run(new String[] {"commands"})).isZero();
        } finally {
            System.setOut(original);
        }
        return Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
    }

    /**
     * A template value with its placeholders replaced by sample values, as the platform would see it: names become
     * lower-case words, and a placeholder that stands for a location (LAKE_URI, RAW_ROOT) an s3:// URI.
     */
    private static String sample(String value) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String word = name.replaceAll("[^A-Za-z0-9]", "-").toLowerCase();
            boolean location = name.endsWith("_URI") || name.endsWith("_ROOT");
            m.appendReplacement(out, Matcher.quoteReplacement(location ? "s3://" + word : word));
        }
        m.appendTail(out);
        return out.toString();
    }

    @TestFactory
    Stream<DynamicTest> everyGlueJobPassesOnlyOptionsItsCommandTakes() throws Exception {
        JsonNode listing = listing();
        CfnTemplate core = CfnTemplate.load(ROOT.resolve("glue/cloudformation/canvaslake.yaml"));
        List<DynamicTest> tests = new ArrayList<>();
        core.ofType("AWS::Glue::Job").forEach((id, job) -> tests.add(DynamicTest.dynamicTest("glue " + id, () -> {
            List<String> argv = new ArrayList<>();
            job.at("/Properties/DefaultArguments").fields().forEachRemaining(e -> {
                argv.add(e.getKey());
                argv.add(sample(CfnTemplate.text(e.getValue())));
            });
            argv.addAll(GLUE_INJECTED);
            check(listing, "glue " + id, argv);
        })));
        assertThat(tests).hasSize(6);
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyEmrJobRunPassesOnlyOptionsItsCommandTakes() throws Exception {
        JsonNode listing = listing();
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("emr/job-runs"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode run = Json.MAPPER.readTree(f.toFile());
                tests.add(DynamicTest.dynamicTest("emr " + f.getFileName(), () -> {
                    List<String> argv = new ArrayList<>();
                    run.at("/jobDriver/sparkSubmit/entryPointArguments").forEach(a -> argv.add(sample(a.asText())));
                    check(listing, "emr " + f.getFileName(), argv);
                }));
            }
        }
        assertThat(tests).hasSize(6);
        return tests.stream();
    }

    /** The checks for one argument list as Main receives it. */
    private static void check(JsonNode listing, String where, List<String> argv) {
        List<String> args = new ArrayList<>(argv);
        String command = Main.commandName(args);
        assertThat(command).as(where + " names a command").isNotNull();
        JsonNode listed = listing.path(command);
        assertThat(listed.isMissingNode()).as(where + ": 'canvaslake " + command + "' exists in the listing").isFalse();
        CommandSpec spec = Commands.all().get(command).spec();

        Map<String, String> given = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).startsWith("--")) {
                String key = args.get(i).substring(2);
                boolean hasValue = i + 1 < args.size() && !args.get(i + 1).startsWith("--");
                given.put(key, hasValue ? args.get(++i) : "true");
            } else {
                positional.add(args.get(i));
            }
        }
        List<String> unknown = new ArrayList<>();
        given.forEach((key, value) -> {
            if (listed.path("options").has(key)) {
                return;
            }
            // not an option of the command: it must be one of the platform's own arguments, which the parser skips
            try {
                Options.parse(spec, List.of("--" + key, value), n -> null, offline());
            } catch (UsageException e) {
                unknown.add("--" + key);
            }
        });
        List<String> subcommands = positional;
        if (!listed.path("available").asBoolean() && (!unknown.isEmpty() || !subcommands.isEmpty())) {
            Assumptions.abort(where + ": 'canvaslake " + command + "' is not built in this build yet, so "
                    + unknown + (subcommands.isEmpty() ? "" : " and subcommand " + subcommands)
                    + " cannot be checked against it; checked the command name and the common options "
                    + given.keySet().stream().filter(k -> listed.path("options").has(k)).toList());
        }
        assertThat(unknown).as(where + ": options 'canvaslake " + command + "' does not take (see canvaslake "
                + command + " --help)").isEmpty();
        for (String word : subcommands) {
            assertThat(listed.path("usage").asText()).as(where + ": subcommand '" + word + "' in the usage of "
                    + command).contains(word);
        }
        // and the real parser takes the whole argument list as the platform passes it
        assertThatCode(() -> Options.parse(spec, args, n -> null, offline())).as(where).doesNotThrowAnyException();
        Options parsed = Options.parse(spec, args, n -> null, offline());
        assertThat(parsed.get("lake")).as(where + " --lake").hasValueSatisfying(v -> assertThat(v).startsWith("s3://"));
    }

    @org.junit.jupiter.api.Test
    void theCheckCatchesAnOptionTheCommandDoesNotTake() throws Exception {
        JsonNode listing = listing();
        List<String> typo = List.of("--command", "sql", "--lake", "s3://lake", "--formatt", "csv");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> check(listing, "typo", typo))
                .hasMessageContaining("--formatt");
        List<String> glueStyle = new ArrayList<>(List.of("--command", "sql", "--lake", "s3://lake", "--format", "csv",
                "--enable-glue-datacatalog", "true"));
        glueStyle.addAll(GLUE_INJECTED);
        check(listing, "glue-style sql", glueStyle);
    }

    /** Secrets are references in the deployment; parsing never resolves them, and nothing here may reach AWS. */
    private static SecretResolver offline() {
        return new SecretResolver(n -> {
            throw new AssertionError("parsing must not read SSM");
        }, n -> {
            throw new AssertionError("parsing must not read Secrets Manager");
        }, n -> null);
    }
}
