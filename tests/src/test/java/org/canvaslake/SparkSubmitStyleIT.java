package org.canvaslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar runs the way spark-submit, Glue and EMR run it: a JVM of its own whose classpath is
 * our {@code -app.jar} plus the platform's Spark/Delta (jobs/target/platform-classpath.txt, written at package time),
 * with the Spark settings given as system properties as spark-submit does ({@code spark.master} set, so Main takes
 * the platform path: it stops Spark and returns instead of exiting).
 *
 * <p>Runs in the integration-test phase, after the jobs module has built the jar (mvn verify).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkSubmitStyleIT {

    private static final Path JOBS_TARGET = Path.of("../jobs/target");
    private static final long TIMEOUT_MINUTES = 8;

    @TempDir
    static Path work;
    private static Path lake;

    record Run(int exitCode, String stdout, String stderr) {
    }

    @BeforeAll
    static void lakeDir() {
        lake = work.resolve("lake");
    }

    static Path appJar() throws IOException {
        try (Stream<Path> files = Files.list(JOBS_TARGET)) {
            List<Path> jars = files.filter(p -> p.getFileName().toString().matches("canvaslake-jobs-.*-app\\.jar")).toList();
            assertThat(jars).as("the shaded jar in jobs/target (built by 'mvn verify' before this module)").hasSize(1);
            return jars.get(0);
        }
    }

    static Run submit(List<String> args) throws Exception {
        String platform = Files.readString(JOBS_TARGET.resolve("platform-classpath.txt")).trim();
        assertThat(platform).contains("spark-sql_2.12").contains("delta-spark_2.12");
        assertThat(platform).as("the platform classpath carries none of our own code").doesNotContain("canvaslake");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        // the JDK flags Spark needs on Java 17: the same ones this test JVM was started with (parent pom)
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect"))
                .forEach(command::add);
        // what spark-submit turns its --master/--conf into before it calls main()
        command.addAll(List.of("-Dspark.master=local[1]", "-Dspark.submit.deployMode=client",
                "-Dspark.app.name=canvaslake-spark-submit-check", "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1", "-Duser.timezone=UTC",
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2.properties").toAbsolutePath()));
        command.addAll(List.of("-cp", appJar().toAbsolutePath() + File.pathSeparator + platform, "org.canvaslake.Main"));
        command.addAll(args);
        Path out = Files.createTempFile(work, "stdout", ".txt");
        Path err = Files.createTempFile(work, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("Main did not finish (or its JVM did not exit) within " + TIMEOUT_MINUTES
                    + " minutes: " + args + "\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    @Order(1)
    void writesADeltaTableWhenCalledTheGlueWay() throws Exception {
        String table = lake.resolve("demo/tiny").toUri().toString();
        Run run = submit(List.of("--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "canvaslake-sql",
                "--command", "sql", "--enable-glue-datacatalog", "true", "--datalake-formats", "delta",
                "--lake", lake.toString(), "--format", "csv",
                "CREATE TABLE delta.`" + table + "` USING delta AS SELECT id, id * 2 AS twice FROM range(5)"));

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        Path commit = lake.resolve("demo/tiny/_delta_log/00000000000000000000.json");
        assertThat(commit).exists();
        assertThat(Files.readString(commit)).contains("\"numOutputRows\":\"5\"");
    }

    @Test
    @Order(2)
    void readsItBackByNameWhenCalledTheSparkSubmitWay() throws Exception {
        Run run = submit(List.of("sql", "--lake", lake.toString(), "--format", "csv",
                "SELECT count(*) AS n, sum(twice) AS s FROM demo.tiny"));

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout().lines().toList()).containsExactly("n,s", "5,20");
    }

    @Test
    @Order(3)
    void wrongUsageExitsWithTwoAndSaysWhy() throws Exception {
        Run run = submit(List.of("sql", "--lake", lake.toString(), "--format", "xml", "SELECT 1"));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("--format must be table, csv or json");
    }
}
