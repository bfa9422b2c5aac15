package org.canvaslake.common.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class LakeTest {

    @Test
    void localLakesBecomeAbsoluteFileUris() {
        Lake lake = Lake.at("some/dir/");
        assertThat(lake.isLocal()).isTrue();
        assertThat(lake.root()).startsWith("file:/").endsWith("/some/dir");
        assertThat(lake.localRoot()).isEqualTo(Path.of("some/dir").toAbsolutePath());
    }

    @Test
    void tablesLiveUnderDatabaseFolders() {
        Lake lake = Lake.at("s3://bucket/prefix/");
        assertThat(lake.isLocal()).isFalse();
        assertThat(lake.table("events.live_stream")).isEqualTo("s3://bucket/prefix/events/live_stream");
        assertThat(lake.table("_meta.runs")).isEqualTo("s3://bucket/prefix/_meta/runs");
        assertThat(lake.raw("live_events")).isEqualTo("s3://bucket/prefix/raw/live_events");
        assertThat(Lake.at("s3a://b/p").table("cd2.users")).isEqualTo("s3a://b/p/cd2/users");
    }

    @Test
    void badTableNamesAndEmptyLocationsAreRejected() {
        Lake lake = Lake.at("s3://b");
        assertThatThrownBy(() -> lake.table("live_stream")).hasMessageContaining("database.table");
        assertThatThrownBy(() -> lake.table("events.live-stream")).hasMessageContaining("live-stream");
        assertThatThrownBy(() -> Lake.at(" ")).hasMessageContaining("--lake");
    }
}
