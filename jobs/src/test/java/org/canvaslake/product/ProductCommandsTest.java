package org.canvaslake.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.Commands;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkTest.class)
class ProductCommandsTest {

    @Test
    void productMirrorAndReportAreCommandsWhoseHelpExplainsEveryOption() {
        Command product = Commands.all().get("product");
        assertThat(product).isInstanceOf(ProductJob.class);
        String help = product.spec().help();
        assertThat(help).contains("--entities", "--full", "--pseudonymize", "--pseudonymize-key",
                "CANVASLAKE_PSEUDONYMIZE_KEY", "never printed", "--rematch-days", "--lake");
        assertThat(Commands.all().get("mirror").spec().help()).contains("--tables", "--jdbc-url", "--keys",
                "CANVASLAKE_MIRROR_JDBC_PASSWORD");
        assertThat(Commands.all().get("report").spec().help()).contains("--output", "--sns-topic-arn");
    }

    @Test
    void demoStepWithoutEventsSaysSoAndStillRendersTheReport(SparkSession spark, @TempDir Path dir) throws Exception {
        Lake lake = Lake.at(dir.toString());
        RunReport report = new ProductDemoStep().run(spark, lake, dir);
        assertThat(report.succeeded()).isTrue();
        assertThat(report.notes()).anyMatch(n -> n.contains("skipped: no events.live_stream"));
        assertThat(Files.readString(dir.resolve("_meta/report/index.html"))).contains("Canvas Lake pipeline report");
        assertThat(ProductDemoStep.suggestions()).hasSize(4)
                .allMatch(s -> s.contains("product.learning_events") || s.contains("index.html"));
        assertThat(List.of("submission_late", "assignment_name", "course_name"))
                .allMatch(c -> ProductDemoStep.suggestions().stream().anyMatch(s -> s.contains(c)));
    }
}
