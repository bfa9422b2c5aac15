package org.canvaslake.bench;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.events.EventsJob;

/** What the benchmarks share: their common options and running the events job the way the command line does. */
final class Bench {

    static final OptionSpec WORK = OptionSpec.value("work", "./bench-data",
            "Work directory: generated input (kept and reused by later runs) and the benchmark's lakes");
    static final OptionSpec SEED = OptionSpec.value("seed", "42", "Seed of the generated input");
    static final OptionSpec KEEP_LAKE = OptionSpec.flag("keep-lake",
            "Keep the lakes the benchmark wrote (deleted after the run otherwise)");

    private Bench() {
    }

    static Path work(Options options) {
        return Path.of(options.get("work").orElse("./bench-data")).toAbsolutePath().normalize();
    }

    /** {@code canvaslake events --lake <lake> --raw <raw>}: incremental through the lake's ledger, as scheduled. */
    static RunReport runEvents(SparkSession spark, Path lake, Path raw) {
        EventsJob job = new EventsJob();
        // the hourly run the benchmarks time; the daily OPTIMIZE (first run of a UTC day) is not part of it, and a
        // benchmark that crossed midnight between its history and its timed run would otherwise time it
        Options jobOptions = Options.parse(job.spec(), List.of("--lake", lake.toString(), "--raw", raw.toString(),
                "--optimize", "never"));
        return job.runWith(spark, jobOptions, job.runReport(jobOptions));
    }
}
