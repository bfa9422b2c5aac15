package org.canvaslake.emr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The start-job-run requests in emr/job-runs: our jar and Main, Delta as EMR ships it, one per command, and every
 * placeholder documented. (Their options are checked against `canvaslake commands` in the tests module.)
 */
class JobRunDefinitionsTest {

    static final Path RUNS = Path.of("job-runs");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)}");
    private static final Map<String, String> ROLE_OF = Map.of(
            "events", "EMR_EVENTS_ROLE_ARN", "canvas", "EMR_CANVAS_ROLE_ARN", "dap", "EMR_DAP_ROLE_ARN",
            "product", "EMR_PRODUCT_ROLE_ARN", "mirror", "EMR_MIRROR_ROLE_ARN", "report", "EMR_REPORT_ROLE_ARN");

    static Map<String, JsonNode> runs() throws IOException {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(RUNS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                out.put(f.getFileName().toString(), new ObjectMapper().readTree(f.toFile()));
            }
        }
        return out;
    }

    @Test
    void oneRunPerJobCommand() throws Exception {
        List<String> commands = new ArrayList<>();
        runs().values().forEach(r -> commands.add(r.at("/jobDriver/sparkSubmit/entryPointArguments/0").asText()));
        assertThat(commands).containsExactlyInAnyOrder("events", "canvas", "dap", "product", "mirror", "report");
    }

    @Test
    void eachRunStartsOurMainFromTheShadedJarWithDelta() throws Exception {
        String jobsPom = Files.readString(Path.of("../jobs/pom.xml"));
        assertThat(jobsPom).contains("<artifactId>canvaslake-jobs</artifactId>")
                .contains("<shadedClassifierName>app</shadedClassifierName>");
        for (Map.Entry<String, JsonNode> e : runs().entrySet()) {
            JsonNode submit = e.getValue().at("/jobDriver/sparkSubmit");
            assertThat(submit.path("entryPoint").asText()).as(e.getKey())
                    .isEqualTo("s3://${ARTIFACT_BUCKET}/${ARTIFACT_PREFIX}canvaslake-jobs-${VERSION}-app.jar");
            List<String> params = List.of(submit.path("sparkSubmitParameters").asText().split("\\s+"));
            assertThat(params).as(e.getKey()).containsSubsequence("--class", "org.canvaslake.Main");
            assertThat(confs(params)).as(e.getKey())
                    .containsEntry("spark.jars", "/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar")
                    .containsEntry("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                    .containsEntry("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                    .containsEntry("spark.delta.logStore.s3.impl", "org.canvaslake.common.delta.S3ConditionalLogStore")
                    .containsEntry("spark.hadoop.hive.metastore.client.factory.class",
                            "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory");
            assertThat(e.getValue().path("applicationId").asText()).isEqualTo("${EMR_APPLICATION_ID}");
            String command = submit.at("/entryPointArguments/0").asText();
            assertThat(e.getValue().path("executionRoleArn").asText()).as(e.getKey() + " runs as its own role")
                    .isEqualTo("${" + ROLE_OF.get(command) + "}");
            assertThat(e.getValue().path("executionTimeoutMinutes").asInt()).isPositive();
        }
    }

    @Test
    void everyRunWritesToTheLakeAndReportsToTheTopic() throws Exception {
        for (Map.Entry<String, JsonNode> e : runs().entrySet()) {
            List<String> args = new ArrayList<>();
            e.getValue().at("/jobDriver/sparkSubmit/entryPointArguments").forEach(a -> args.add(a.asText()));
            assertThat(args).as(e.getKey()).containsSubsequence("--lake", "${LAKE_URI}")
                    .containsSubsequence("--raw-root", "${RAW_ROOT}")
                    .containsSubsequence("--sns-topic-arn", "${RUN_REPORTS_TOPIC_ARN}");
            for (int i = 0; i < args.size() - 1; i++) {
                String key = args.get(i).toLowerCase();
                if (key.startsWith("--") && (key.contains("token") || key.contains("secret") || key.contains("password"))) {
                    assertThat(args.get(i + 1)).as(e.getKey() + " " + key + " is a reference").startsWith("ssm:");
                }
            }
        }
    }

    @Test
    void everyPlaceholderIsDocumentedInTheGuide() throws Exception {
        String guide = Files.readString(Path.of("README.md"));
        Set<String> used = new TreeSet<>();
        for (Path f : Files.list(RUNS).toList()) {
            Matcher m = PLACEHOLDER.matcher(Files.readString(f));
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        assertThat(used).isNotEmpty().allSatisfy(p -> assertThat(guide).as("emr/README.md explains " + p)
                .contains("`" + p + "`"));
    }

    static Map<String, String> confs(List<String> params) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < params.size() - 1; i++) {
            if (params.get(i).equals("--conf")) {
                String[] kv = params.get(i + 1).split("=", 2);
                out.put(kv[0], kv[1]);
            }
        }
        return out;
    }
}
