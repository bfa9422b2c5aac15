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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts the shaded application jar the way spark-submit, Glue and EMR run it: a JVM of its own whose classpath is
 * our {@code -app.jar} plus the platform's Spark/Delta (jobs/target/platform-classpath.txt, written at package
 * time), with the Spark settings given as system properties as spark-submit does ({@code spark.master} set, so Main
 * takes the platform path: it stops Spark and returns instead of exiting). For the integration tests, which run
 * after the jobs module has built the jar.
 */
public final class AppJar {

    private static final Path JOBS_TARGET = Path.of("../jobs/target");
    public static final long TIMEOUT_MINUTES = 8;

    /** A finished run: exit code and what it printed. */
    public record Run(int exitCode, String stdout, String stderr) {
    }

    /** A started run, whose output goes to files until it ends (or is killed). */
    public record Started(Process process, Path stdout, Path stderr) {

        /** Waits for the end (a killed JVM ends at once) and reads what it printed. */
        public Run await() throws IOException, InterruptedException {
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("Main did not finish (or its JVM did not exit) within " + TIMEOUT_MINUTES
                        + " minutes\n" + Files.readString(stderr));
            }
            return new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        }
    }

    private AppJar() {
    }

    public static Path appJar() throws IOException {
        try (Stream<Path> files = Files.list(JOBS_TARGET)) {
            List<Path> jars = files.filter(p -> p.getFileName().toString().matches("canvaslake-jobs-.*-app\\.jar")).toList();
            assertThat(jars).as("the shaded jar in jobs/target (built by 'mvn verify' before this module)").hasSize(1);
            return jars.get(0);
        }
    }

    /** Runs {@code Main} with the arguments to its end. */
    public static Run submit(Path work, List<String> args) throws Exception {
        return start(work, args, Map.of()).await();
    }

    /**
     * Starts {@code Main} with the arguments and extra environment variables; output goes to files in {@code work}.
     */
    public static Started start(Path work, List<String> args, Map<String, String> env) throws IOException {
        String platform = Files.readString(JOBS_TARGET.resolve("platform-classpath.txt")).trim();
        assertThat(platform).contains("spark-sql_2.12").contains("delta-spark_2.12");
        assertThat(platform).as("the platform classpath carries none of our own code").doesNotContain("canvaslake");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        // a JVM that lives a minute on a share of two cores: C1 alone and the serial collector spend less CPU on it
        // than C2 and G1 do (KillNineIT: 148 s against 178 s, a quarter less CPU; how fast, not what the job does)
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        // the JDK flags Spark needs on Java 17: the same ones this test JVM was started with (parent pom)
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect"))
                .forEach(command::add);
        // what spark-submit turns its --master/--conf into before it calls main(); on one core, the partition counts a
        // small deployment passes as --conf (Spark's 200 shuffle partitions and Delta's 50 log-replay partitions made
        // a canvas run in this JVM take over two minutes on the CI machine, for some forty rows per table)
        command.addAll(List.of("-Dspark.master=local[1]", "-Dspark.submit.deployMode=client",
                "-Dspark.app.name=canvaslake-spark-submit-check", "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1", "-Duser.timezone=UTC",
                "-Dspark.sql.shuffle.partitions=2", "-Dspark.databricks.delta.snapshotPartitions=1",
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2.properties").toAbsolutePath()));
        command.addAll(List.of("-cp", appJar().toAbsolutePath() + File.pathSeparator + platform, "org.canvaslake.Main"));
        command.addAll(args);
        Files.createDirectories(work);
        Path out = Files.createTempFile(work, "stdout", ".txt");
        Path err = Files.createTempFile(work, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().putAll(env);
        return new Started(pb.start(), out, err);
    }
}
