package org.canvaslake.mirror.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lake mirror's state in a real PostgreSQL and MariaDB: which lake table a target table was loaded from, with one
 * lake given once as {@code s3a://} and once as {@code s3://} taken for one lake (no full reload when a deployment
 * changes connector), and another lake or another table still taken for another source.
 */
class JdbcMirrorStateTest {

    private static final String TARGET = "events.live_stream";

    @ParameterizedTest
    @ValueSource(strings = {LakeMirrorJobTest.PG, LakeMirrorJobTest.MARIADB})
    void aLakeGivenWithAnotherS3SchemeIsTheSameSource(String url) throws Exception {
        String stateTable = "mirror_state_scheme_test";
        LakeMirrorJobTest.drop(url, stateTable);
        JdbcMirrorState state = new JdbcMirrorState(LakeMirrorJobTest.admin(url), stateTable);
        try {
            state.save(TARGET, "s3a://lake-bucket/events/live_stream", TARGET, 7, "run-1");

            assertThat(recordedPath(url, stateTable)).as("recorded in one form").isEqualTo(
                    "s3://lake-bucket/events/live_stream");
            assertThat(state.version("s3://lake-bucket/events/live_stream", TARGET)).hasValue(7);
            assertThat(state.version("s3a://lake-bucket/events/live_stream", TARGET)).hasValue(7);
            assertThat(state.version("S3N://lake-bucket/events/live_stream", TARGET)).hasValue(7);
            assertThat(state.version("s3://other-lake/events/live_stream", TARGET)).as("another lake")
                    .isEqualTo(OptionalLong.empty());
            assertThat(state.version("s3://lake-bucket/events/other", TARGET)).as("another table")
                    .isEqualTo(OptionalLong.empty());
            assertThat(state.version("s3://lake-bucket/events/live_stream", "events.other")).as("another target")
                    .isEqualTo(OptionalLong.empty());

            // a row an older release wrote with the path as it was given
            try (Connection c = LakeMirrorJobTest.connect(url);
                 Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + stateTable + " SET source_path = 's3a://lake-bucket/events/live_stream'");
            }
            assertThat(state.version("s3://lake-bucket/events/live_stream", TARGET)).hasValue(7);
        } finally {
            LakeMirrorJobTest.drop(url, stateTable);
        }
    }

    /** The state's errors reach the log and the report: a password given in the JDBC URL is masked in them. */
    @Test
    void aFailureNamesTheDatabaseWithoutThePasswordInItsUrl() {
        String url = "jdbc:postgresql://127.0.0.1:5432/cl_no_such_database?user=postgres&password=hunter2-secret";
        JdbcMirrorState state = new JdbcMirrorState(new TableLoaders.Target(url, null, null), "mirror_state_masked");
        assertThatThrownBy(() -> state.version("s3://lake/events/x", TARGET))
                .hasMessageContaining("cl_no_such_database").hasMessageContaining("password=REDACTED")
                .hasMessageNotContaining("hunter2-secret");
    }

    private static String recordedPath(String url, String stateTable) throws Exception {
        try (Connection c = LakeMirrorJobTest.connect(url);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT source_path FROM " + stateTable)) {
            assertThat(r.next()).as("a state row").isTrue();
            return r.getString(1);
        }
    }
}
