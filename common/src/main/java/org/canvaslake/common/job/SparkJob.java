package org.canvaslake.common.job;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.report.Notifier;
import org.canvaslake.common.report.RunLog;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.report.SnsNotifier;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.sns.SnsClient;

/**
 * A Spark job as a command: parses the common options, gets the session from the factory, takes the lake's lease for
 * the job (one run of it per lake at a time, {@link #oneRunAtATime}), runs, and then always records the report
 * (printed, appended to {@code _meta.runs}, notified). A failure inside the job is recorded as a failed unit, not
 * thrown past the report, so every run leaves its trace.
 */
public abstract class SparkJob implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(SparkJob.class);

    /** Crash point suffix: the job's work is done, its run report not yet recorded ({@code events.before_run_log}). */
    public static final String CRASH_BEFORE_RUN_LOG = ".before_run_log";
    /** The report's unit for a run that found its lease held is the job's name and this ("dap (lease held ...)"). */
    public static final String LEASE_HELD = " (lease held by another run)";

    protected abstract String name();

    protected abstract String summary();

    protected String usage() {
        return name() + " [options]";
    }

    /** The job's own options (the common ones are added). */
    protected abstract List<OptionSpec> jobOptions();

    protected abstract void execute(JobContext context) throws Exception;

    /**
     * Whether a run takes the lake's lease named after the job before it reads anything ({@link LakeLease}), so that
     * two runs of the job on one lake cannot both write: a run by hand beside a scheduled one, or an Airflow retry
     * while the timed-out attempt's job still runs on the platform. Every job that writes tables does; a job that
     * only reads them need not.
     */
    protected boolean oneRunAtATime() {
        return true;
    }

    /** What the run's note adds when no lease kept it apart from other runs (the lake's storage gives none). */
    protected String withoutLease() {
        return "Keep to one " + name() + " run per lake at a time: the DAG's max_active_runs=1 and the Glue job's "
                + "MaxConcurrentRuns=1 keep the scheduled runs apart, but nothing stops a run started by hand beside a "
                + "scheduled one.";
    }

    @Override
    public CommandSpec spec() {
        CommandSpec spec = new CommandSpec(name(), summary(), usage());
        List<OptionSpec> all = new ArrayList<>(jobOptions());
        if (oneRunAtATime()) {
            all.add(CommonOptions.leaseMinutes(name()));
        }
        all.addAll(CommonOptions.ALL);
        return spec.options(all);
    }

    @Override
    public int run(Options options) {
        RunReport report = runReport(options);
        return runWith(SparkSessionFactory.getOrCreate("canvaslake-" + name()), options, report).exitCode();
    }

    /** Runs on a given session (tests and the demo share one) and returns the recorded report. */
    public RunReport runWith(SparkSession spark, Options options, RunReport report) {
        Lake lake = CommonOptions.lake(options);
        LOG.info("{} run {} starting on lake {} with {}", name(), report.runId(), lake, options.describe());
        try (LakeLease lease = lease(spark, lake, options, report)) {
            if (lease != null) {
                execute(new JobContext(spark, lake, options, report, lease));
            }
        } catch (UsageException e) {
            throw e;
        } catch (Exception e) {
            LOG.error("{} run {} failed", name(), report.runId(), e);
            String message = Failures.describe(e);
            report.fail(name(), message + storageHint(e, message, lake));
        }
        report.finish();
        // a crashed process records nothing; in the tests' exception mode this throws past the report as a kill would
        CrashPoints.check(name() + CRASH_BEFORE_RUN_LOG);
        record(spark, lake, options, report);
        return report;
    }

    /**
     * The run's lease, or null when another run holds it (then the report says so, naming that run, and the job does
     * not run). Without {@link #oneRunAtATime} or with {@code --lease-minutes 0}, one that holds nothing.
     */
    private LakeLease lease(SparkSession spark, Lake lake, Options options, RunReport report) {
        Duration duration = oneRunAtATime() ? CommonOptions.leaseDuration(options) : Duration.ZERO;
        LakeLease lease;
        try {
            lease = LakeLease.acquire(spark.sparkContext().hadoopConfiguration(), lake, name(), report.runId(),
                    name(), duration);
        } catch (LakeLease.HeldException e) {
            LOG.error("{}: {}", name(), e.getMessage());
            report.fail(name() + LEASE_HELD, e.getMessage() + " This run read and wrote nothing: the run holding the"
                    + " lease goes on, and the next run after it takes up whatever it leaves.");
            return null;
        }
        if (oneRunAtATime()) {
            LOG.info("{}: lease {}", name(), lease.describe());
        }
        if (!lease.held() && !duration.isZero()) {
            report.note("No lease kept this run apart from other " + name() + " runs on the lake ("
                    + lease.describe() + "). " + withoutLease());
        }
        return lease;
    }

    /**
     * What to check when the lake's storage failed the run: an I/O error about a path in the lake (a bucket that is
     * not there, access denied), which Hadoop and Delta throw as they are, naming the path and the store's error only,
     * on the driver or in a Spark task ({@link Failures#underSpark}).
     */
    static String storageHint(Exception e, String message, Lake lake) {
        if (!(Failures.underSpark(e) instanceof IOException) || !message.contains(lake.root())) {
            return "";
        }
        // it follows the store's message, which may end without a full stop
        return (message.endsWith(".") ? "" : ".") + " Check that the lake " + lake.root()
                + " exists and that this job may read and write there (--lake).";
    }

    public RunReport runReport(Options options) {
        return options.get("run-id").filter(s -> !s.isBlank())
                .map(id -> new RunReport(name(), id, Instant.now()))
                .orElseGet(() -> RunReport.start(name()));
    }

    private static void record(SparkSession spark, Lake lake, Options options, RunReport report) {
        System.out.print(report.toText());
        try {
            RunLog.append(spark, lake, report);
        } catch (Exception e) {
            // Exception, not RuntimeException: Delta (Scala) throws Hadoop's checked IOExceptions undeclared, as S3A's
            // for a bucket that is not there; the report must still reach the notifiers
            LOG.error("Could not append the run report to {} in {}: {}", RunLog.TABLE, lake, e.getMessage());
        }
        for (Notifier n : notifiers(options)) {
            n.publish(report);
        }
    }

    private static List<Notifier> notifiers(Options options) {
        List<Notifier> out = new ArrayList<>();
        out.add(r -> LOG.info("run report {}", r.toJson()));
        options.get("sns-topic-arn").filter(s -> !s.isBlank())
                .ifPresent(arn -> out.add(new SnsNotifier(SnsClient.create(), arn)));
        return out;
    }
}
