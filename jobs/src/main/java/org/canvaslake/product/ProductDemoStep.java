package org.canvaslake.product;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.DemoSettings;
import org.canvaslake.cli.DemoStep;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.report.ReportJob;

/**
 * The demo's last flow: builds {@code product.learning_events} from whatever the earlier flows wrote (events and
 * the REST or CD2 entities), then renders the pipeline report page and prints where both are.
 */
public final class ProductDemoStep implements DemoStep {

    @Override
    public String name() {
        return "product";
    }

    @Override
    public RunReport run(SparkSession spark, Lake lake, Path work, DemoSettings settings) throws Exception {
        List<String> inputs = new ArrayList<>();
        for (String t : List.of(ProductJob.EVENTS, "canvas.users", "canvas.users_history", "cd2.users")) {
            if (DeltaTables.exists(spark, lake.table(t))) {
                inputs.add(t);
            }
        }
        System.out.println("Inputs found: " + (inputs.isEmpty() ? "none" : String.join(", ", inputs)));
        RunReport product;
        if (inputs.contains(ProductJob.EVENTS)) {
            ProductJob job = new ProductJob();
            product = job.runWith(spark, Options.parse(job.spec(), List.of("--lake", lake.root())),
                    RunReport.start("product"));
            System.out.println("Built " + ProductSchema.TABLE + " at " + lake.table(ProductSchema.TABLE));
        } else {
            product = RunReport.start("product");
            product.note("skipped: no " + ProductJob.EVENTS + " in the lake (the events flow did not run), so there "
                    + "is nothing to join");
            System.out.println("Skipped " + ProductSchema.TABLE + ": no " + ProductJob.EVENTS + " in the lake");
            product.finish();
        }
        ReportJob report = new ReportJob();
        RunReport rendered = report.runWith(spark, Options.parse(report.spec(), List.of("--lake", lake.root())),
                RunReport.start("report"));
        rendered.failures().forEach(f -> product.fail("report/" + f.unit(), f.message()));
        return product;
    }

    /** The example questions the demo suggests, answered from the product table. */
    public static List<String> suggestions() {
        return List.of(
                "./canvaslake sql \"SELECT course_name, count(*) AS events, count(DISTINCT user_global_id) AS users "
                        + "FROM product.learning_events WHERE event_date >= date_sub((SELECT max(event_date) FROM "
                        + "product.learning_events), 6) GROUP BY course_name ORDER BY events DESC LIMIT 10\"",
                "./canvaslake sql \"SELECT course_name, assignment_name, count(*) AS submissions FROM "
                        + "product.learning_events WHERE event_name = 'submission_created' GROUP BY course_name, "
                        + "assignment_name ORDER BY submissions DESC\"",
                "./canvaslake sql \"SELECT course_name, assignment_name, user_name, assignment_due_at, "
                        + "submission_submitted_at FROM product.learning_events WHERE submission_late ORDER BY "
                        + "submission_submitted_at DESC LIMIT 20\"",
                "open the pipeline report: lake/" + ReportJob.FOLDER + "/index.html");
    }
}
