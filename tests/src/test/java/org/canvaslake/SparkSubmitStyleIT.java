package org.canvaslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar runs the way spark-submit, Glue and EMR run it ({@link AppJar}: a JVM of its own with
 * our {@code -app.jar} plus the platform's Spark/Delta, Spark settings as system properties).
 *
 * <p>Runs in the integration-test phase, after the jobs module has built the jar (mvn verify).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkSubmitStyleIT {

    @TempDir
    static Path work;
    private static Path lake;

    @BeforeAll
    static void lakeDir() {
        lake = work.resolve("lake");
    }

    private static AppJar.Run submit(List<String> args) throws Exception {
        return AppJar.submit(work, args);
    }

    @Test
    @Order(1)
    void writesADeltaTableWhenCalledTheGlueWay() throws Exception {
        String table = lake.resolve("demo/tiny").toUri().toString();
        AppJar.Run run = submit(List.of("--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "canvaslake-sql",
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
        AppJar.Run run = submit(List.of("sql", "--lake", lake.toString(), "--format", "csv",
                "SELECT count(*) AS n, sum(twice) AS s FROM demo.tiny"));

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout().lines().toList()).containsExactly("n,s", "5,20");
    }

    @Test
    @Order(3)
    void wrongUsageExitsWithTwoAndSaysWhy() throws Exception {
        AppJar.Run run = submit(List.of("sql", "--lake", lake.toString(), "--format", "xml", "SELECT 1"));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("--format must be table, csv or json");
    }
}
