package org.canvaslake.common.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.CommonOptions;
import org.canvaslake.common.secrets.SecretResolver;
import org.junit.jupiter.api.Test;

/** Raw input in a bucket of its own (the AWS layout) while the tables stay under the lake root. */
class LakeRawRootTest {

    private static final CommandSpec JOB = new CommandSpec("job", "a job", "job").options(CommonOptions.ALL);

    private static Options parse(List<String> args, java.util.Map<String, String> env) {
        return Options.parse(JOB, args, env::get, new SecretResolver(n -> null, n -> null, n -> null));
    }

    @Test
    void rawLivesUnderTheLakeRootByDefault() {
        Lake lake = CommonOptions.lake(parse(List.of("--lake", "s3://lake-bucket"), java.util.Map.of()));

        assertThat(lake.raw("live_events")).isEqualTo("s3://lake-bucket/raw/live_events");
        assertThat(lake.rawRoot()).isEqualTo(lake.root());
    }

    @Test
    void rawRootMovesOnlyRawNotTheTables() {
        Lake lake = CommonOptions.lake(parse(
                List.of("--lake", "s3://lake-bucket/", "--raw-root", "s3://raw-bucket/"), java.util.Map.of()));

        assertThat(lake.raw("live_events")).isEqualTo("s3://raw-bucket/raw/live_events");
        assertThat(lake.raw("canvas_api/users")).isEqualTo("s3://raw-bucket/raw/canvas_api/users");
        assertThat(lake.table("events.live_stream")).isEqualTo("s3://lake-bucket/events/live_stream");
    }

    @Test
    void rawRootComesFromTheEnvironmentToo() {
        Lake lake = CommonOptions.lake(parse(List.of("--lake", "s3://lake-bucket"),
                java.util.Map.of("CANVASLAKE_RAW_ROOT", "s3://raw-bucket")));

        assertThat(lake.raw("live_events")).isEqualTo("s3://raw-bucket/raw/live_events");
    }

    @Test
    void aLocalRawRootIsNormalisedLikeALocalLake() {
        Lake lake = Lake.at("/tmp/lake").withRawRoot("/tmp/raw/");

        assertThat(lake.raw("live_events")).isEqualTo("file:/tmp/raw/raw/live_events");
        assertThat(lake.table("_meta.runs")).isEqualTo("file:/tmp/lake/_meta/runs");
    }
}
