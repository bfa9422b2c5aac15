package org.canvaslake.common.job;

import java.util.List;

import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.lake.Lake;

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
