package org.canvaslake.lander;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The packaged Lambda jar (target/canvaslake-lander-*-lambda.jar) on its own: everything the handler needs is in it,
 * nothing of Spark is, and it fits Lambda's 50 MB limit for a directly uploaded package.
 */
@ExtendWith(LocalAws.class)
class LambdaJarIT {

    private static Path lambdaJar() {
        String configured = System.getProperty("canvaslake.lambdaJar");
        // set only in the lander pom's lambda-jar execution (package phase), where the jar exists
        assumeTrue(configured != null && !configured.isBlank(),
                "Skipped: runs in the lambda-jar execution of 'mvn -pl lander package', after the jar is built");
        Path jar = Path.of(configured);
        assertThat(jar).as("the Lambda jar; build it with mvn -pl lander -am package").isRegularFile();
        return jar;
    }

    @Test
    void holdsTheHandlerAndNoSparkAndFitsLambda() throws IOException {
        Path jar = lambdaJar();

        assertThat(Files.size(jar)).isLessThan(50L * 1024 * 1024);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertThat(zip.getEntry("org/canvaslake/lander/SqsLambdaHandler.class")).isNotNull();
            assertThat(zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("org/apache/spark/"))).isEmpty();
        }
    }

    @Test
    void theHandlerRunsFromTheJarAloneAndWritesToS3() throws Exception {
        Path jar = lambdaJar();
        S3Client s3 = LocalAws.s3();
        String bucket = LocalAws.newBucket(s3);
        String testClasses = Path.of(LambdaJarDriver.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()).toString();
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar + File.pathSeparator + testClasses, LambdaJarDriver.class.getName(), "3")
                .redirectErrorStream(true);
        Map<String, String> env = child.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        // what the Lambda console sets, plus the SDK's standard endpoint variable pointing at S3Proxy
        env.putAll(Map.of(SqsLambdaHandler.LAKE_ENV, "s3://" + bucket + "/lake",
                "AWS_REGION", LocalAws.REGION,
                "AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_KEY,
                "AWS_ENDPOINT_URL_S3", LocalAws.s3Endpoint().toString()));
        Process process = child.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as("child output:%n%s", output).isZero();
        assertThat(output).contains("batchItemFailures=0").contains("Landed 3 messages");
        List<String> keys = Landed.keys(s3, bucket);
        assertThat(keys).singleElement().asString()
                .matches("lake/raw/live_events/dt=2024-03-05/hour=07/[0-9a-f]{32}\\.jsonl\\.gz");
        List<JsonNode> lines = Landed.lines(s3, bucket, keys.get(0));
        assertThat(lines).extracting(l -> l.get("message_id").asText()).containsExactly("jar-0", "jar-1", "jar-2");
    }
}
