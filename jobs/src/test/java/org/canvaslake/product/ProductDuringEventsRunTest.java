package org.canvaslake.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.events.EventsJob;
import org.canvaslake.events.LiveStreamTable;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product runs on its own schedule, so it can start while an events run is between its commit of the live stream
 * and those of the per-type tables, where the submission columns come from. It must not take that batch's events
 * then: the live stream's version is its unit of progress, and it would never read them again.
 */
@ExtendWith(SparkTest.class)
class ProductDuringEventsRunTest {

    @Test
    void aProductRunDuringAnEventsRunLeavesThatRunsEventsToTheNextProductRun(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        Institution institution = Institution.generate(7, Institution.Size.TEST);
        new LakeInputs(spark, lake).writeRest(institution, Institution.EPOCH);
        List<LiveEventGenerator.Message> messages = new LiveEventGenerator(institution, 3).only("submission_created")
                .caliperShare(0).malformedShare(0).duplicateShare(0).list(40);
        land(dir, messages.subList(0, 20));
        assertThat(events(spark, dir).failures()).isEmpty();
        assertThat(product(spark, lake).failures()).isEmpty();
        assertThat(productRows(spark, lake)).hasSize(20);

        land(dir, messages.subList(20, 40));
        RunReport[] during = new RunReport[1];
        // the product runs where the events run has committed the live stream and nothing else yet
        CrashPoints.onReach(EventsJob.CRASH_AFTER_TABLE + LiveStreamTable.NAME, () -> during[0] = product(spark, lake));
        try {
            assertThat(events(spark, dir).failures()).isEmpty();
        } finally {
            CrashPoints.clearReached();
        }
        assertThat(during[0]).as("a product run during the events run").isNotNull();
        assertThat(during[0].failures()).isEmpty();
        assertThat(during[0].notes()).anySatisfy(n -> assertThat(n).contains("read up to version")
                .contains("an events run that has not finished"));
        assertThat(productRows(spark, lake)).as("the unfinished run's events left for later").hasSize(20);

        RunReport next = product(spark, lake);
        assertThat(next.failures()).isEmpty();
        assertThat(next.notes()).noneSatisfy(n -> assertThat(n).contains("read up to version"));
        List<Row> rows = productRows(spark, lake);
        assertThat(rows).hasSize(40);
        // every submission has the attempt its typed row holds: none was taken before its typed row was written
        assertThat(rows).allSatisfy(r -> assertThat(r.<Object>getAs("submission_attempt")).as(r.toString()).isNotNull());
    }

    private static void land(Path lakeDir, List<LiveEventGenerator.Message> messages) {
        BatchLander lander = new BatchLander(new LocalObjectStore(lakeDir));
        try {
            for (int i = 0; i < messages.size(); i += 10) {
                lander.land(messages.subList(i, Math.min(messages.size(), i + 10)).stream()
                        .map(m -> new LiveEventMessage(m.messageId(), m.receivedAt(), m.attributes(), m.body()))
                        .toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RunReport events(SparkSession spark, Path lakeDir) {
        EventsJob job = new EventsJob();
        Options options = Options.parse(job.spec(), List.of("--lake", lakeDir.toString(), "--optimize", "never"));
        return job.runWith(spark, options, job.runReport(options));
    }

    private static RunReport product(SparkSession spark, Lake lake) {
        ProductJob job = new ProductJob();
        Options options = Options.parse(job.spec(), List.of("--lake", lake.root()), name -> null,
                new SecretResolver(n -> null, n -> null, n -> null));
        return job.runWith(spark, options, RunReport.start("product"));
    }

    private static List<Row> productRows(SparkSession spark, Lake lake) {
        return DeltaTables.read(spark, lake.table(ProductSchema.TABLE)).collectAsList();
    }
}
