package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a DAP table's SQL mirror records as its source, and which recorded sources a lake's batch continues. */
class MirrorSourceTest {

    @Test
    void theSourceNamesTheLakeTableWhicheverS3ConnectorTheRunWasGiven() {
        String viaS3 = TableSync.mirrorSource("canvas", "users", "s3://lake-bucket/prod/cd2/users");
        assertThat(viaS3).isEqualTo("dap:canvas.users in s3://lake-bucket/prod/cd2/users");
        assertThat(TableSync.mirrorSource("canvas", "users", "s3a://lake-bucket/prod/cd2/users")).isEqualTo(viaS3);
        assertThat(TableSync.mirrorSource("canvas", "users", "S3N://lake-bucket/prod/cd2/users")).isEqualTo(viaS3);
        assertThat(TableSync.mirrorSource("canvas", "users", "file:/srv/lake/cd2/users"))
                .isEqualTo("dap:canvas.users in file:/srv/lake/cd2/users");
    }

    @Test
    void aBatchContinuesOnlyWhatThisLakeTableLoadedOrAnOlderReleaseRecordedWithoutALake() {
        String here = TableSync.mirrorSource("canvas", "users", "s3://lake-bucket/prod/cd2/users");
        assertThat(TableSync.loadedFrom(here, here)).isTrue();
        assertThat(TableSync.loadedFrom("dap:canvas.users", here)).as("recorded before the lake was").isTrue();
        assertThat(TableSync.loadedFrom(TableSync.mirrorSource("canvas", "users", "s3://lake-bucket/test/cd2/users"),
                here)).as("another lake").isFalse();
        assertThat(TableSync.loadedFrom("dap:canvas.users_history", here)).as("another table").isFalse();
        assertThat(TableSync.loadedFrom("canvaslake mirror", here)).as("the lake mirror's load").isFalse();
        assertThat(TableSync.loadedFrom(null, here)).as("no source recorded").isFalse();
    }
}
