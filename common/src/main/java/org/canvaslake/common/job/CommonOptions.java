package org.canvaslake.common.job;

import java.time.Duration;
import java.util.List;

import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeLease;

/** The options every job takes. */
public final class CommonOptions {

    public static final OptionSpec LAKE = OptionSpec.value("lake", "./lake",
            "Lake root: a local directory, or s3://bucket/prefix (s3a:// also works)").withEnv("CANVASLAKE_LAKE");
    public static final OptionSpec RAW_ROOT = OptionSpec.value("raw-root", null,
            "Where raw/ lives when it is kept apart from the lake, e.g. s3://my-raw-bucket (raw files then under "
                    + "s3://my-raw-bucket/raw/); default: the lake root").withEnv("CANVASLAKE_RAW_ROOT");
    public static final OptionSpec CONFIG = OptionSpec.value("config", null,
            "File with more options (Java properties 'name=value' or a JSON object); the command line wins");
    public static final OptionSpec SNS_TOPIC = OptionSpec.value("sns-topic-arn", null,
            "Publish the run report to this SNS topic (the log always gets it)").withEnv("CANVASLAKE_SNS_TOPIC_ARN");
    public static final OptionSpec RUN_ID = OptionSpec.value("run-id", null,
            "Id for this run in reports and _meta.runs (default: start time plus a random suffix)");

    public static final List<OptionSpec> ALL = List.of(LAKE, RAW_ROOT, CONFIG, SNS_TOPIC, RUN_ID);

    /**
     * How long a run's lease lasts on S3 without renewal: long enough that a renewal missed to a slow S3 costs
     * nothing, short enough that a dead run's lease is gone by the next hourly run.
     */
    public static final int DEFAULT_LEASE_MINUTES = 10;
    public static final String LEASE_MINUTES = "lease-minutes";

    /** {@code --lease-minutes} of a job whose runs take the lake's lease named after it ({@link LakeLease}). */
    public static OptionSpec leaseMinutes(String job) {
        return OptionSpec.value(LEASE_MINUTES, String.valueOf(DEFAULT_LEASE_MINUTES), "One " + job + " run per lake "
                + "at a time: a run takes the lake's " + job + " lease (" + LakeLease.FOLDER + "/" + job + ") before "
                + "it reads anything, and a run that finds it held by another stops at once, naming that run, and "
                + "writes nothing. On a local lake it is an OS file lock, released when the process ends. On S3 it "
                + "is an object made with conditional PUTs that the run renews every quarter of this many minutes; "
                + "a run that died leaves it to expire after that long, and a run that cannot renew it for three "
                + "quarters of it stops before its next commit. 0 = no lease");
    }

    /** {@code --lease-minutes}: zero (no lease) or the lease's duration. */
    public static Duration leaseDuration(Options options) {
        return leaseDuration(options.get(LEASE_MINUTES).orElse(String.valueOf(DEFAULT_LEASE_MINUTES)));
    }

    /** {@code --lease-minutes}: 0 (no lease) or a number of minutes, decimals allowed (at least a second). */
    static Duration leaseDuration(String given) {
        try {
            double minutes = Double.parseDouble(given.trim());
            if (minutes == 0) {
                return Duration.ZERO;
            }
            if (minutes * 60 >= 1 && minutes <= 24 * 60) {
                return Duration.ofMillis(Math.round(minutes * 60_000));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--" + LEASE_MINUTES + " must be 0 (no lease) or a number of minutes from 1/60 to "
                + "1440, got '" + given + "'");
    }

    private CommonOptions() {
    }

    /** The lake the options name: {@code --lake}, with {@code raw/} under {@code --raw-root} when that is given. */
    public static Lake lake(Options options) {
        Lake lake = Lake.at(options.get(LAKE.name()).orElse("./lake"));
        if (options.spec().options().containsKey(RAW_ROOT.name())) {
            String raw = options.get(RAW_ROOT.name()).orElse("");
            if (!raw.isBlank()) {
                return lake.withRawRoot(raw);
            }
        }
        return lake;
    }
}
