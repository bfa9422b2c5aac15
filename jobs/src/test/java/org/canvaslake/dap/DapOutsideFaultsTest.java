package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.dap.DapSyncState.TableState;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.canvaslake.sandbox.dap.FakeDapServer.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync against a misbehaving DAP API (faults from outside, issue 9): a burst of 503s, connections dropped without
 * an answer, gzip downloads cut in half and tokens that expire mid-run are ridden out, and the tables end equal to the
 * source; an outage longer than the retries fails the run with a clear error and a non-zero exit, leaving every table
 * and its sync state exactly as they were (no half-applied table), and the next run catches up.
 */
@ExtendWith(SparkTest.class)
class DapOutsideFaultsTest {

    private static final List<String> TABLES = List.of("users", "courses");

    @Test
    void transientFaultsAreRiddenOutAndAnOutageLeavesEveryTableAsItWas(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        Settings settings = Settings.defaults().withSize(Institution.Size.TEST).withRecordsPerObject(10)
                .withTokenLifetime(Duration.ofSeconds(3));
        try (FakeDapServer server = FakeDapServer.start(settings)) {
            // retries quick enough for a test; as many attempts as in production
            DapSyncJob job = new DapSyncJob(TableSync.Checkpoint.NONE,
                    s -> s.withBackoff(Duration.ofMillis(20), Duration.ofMillis(100)));
            var options = DapTestData.options(server, lake, "--tables", String.join(",", TABLES),
                    "--parallelism", "1");
            assertThat(DapTestData.run(job, spark, options).failures()).isEmpty();

            // transient: every kind of fault at once, on an incremental run
            server.advance();
            server.failNextRequests(3);
            server.resetNextRequests(2);
            server.truncateNextDownloads(2);
            server.revokeTokensAfter(5);
            RunReport rough = DapTestData.run(job, spark, options);
            assertThat(rough.failures()).as("transient faults are retried, not failed").isEmpty();
            assertThat(server.count("server_errors")).isEqualTo(3);
            assertThat(server.count("resets")).isEqualTo(2);
            assertThat(server.count("truncated_downloads")).isEqualTo(2);
            assertThat(server.count("unauthorized")).as("the token died mid-run and was renewed").isPositive();
            assertThat(rough.counter("dap.logins")).isGreaterThan(1);
            // 503s and cut downloads are retried by our client and counted; OkHttp may retry a dropped connection
            // itself, silently, so resets are not counted here
            assertThat(rough.counter("dap.http_retries")).as("retries are counted in the run report")
                    .isGreaterThanOrEqualTo(3 + 2);
            assertEqualToTheSource(spark, lake, server);

            // an outage longer than the retries: the run fails, names the cause, and changes nothing
            Map<String, Long> versions = versions(spark, lake);
            Map<String, TableState> states = new DapSyncState(spark, lake).load("canvas");
            server.advance();
            server.failNextRequests(10_000);
            RunReport down = DapTestData.run(job, spark, options);
            server.failNextRequests(0);
            assertThat(down.exitCode()).isEqualTo(1);
            assertThat(down.failures()).extracting(RunReport.Failure::unit)
                    .containsExactlyInAnyOrder("cd2.users", "cd2.courses");
            assertThat(down.failures()).allSatisfy(f -> assertThat(f.message()).contains("503")
                    .contains("ServiceUnavailable"));
            assertThat(versions(spark, lake)).as("no table committed anything").isEqualTo(versions);
            Map<String, TableState> after = new DapSyncState(spark, lake).load("canvas");
            for (String t : TABLES) {
                assertThat(after.get(t).lastUntil()).as(t).isEqualTo(states.get(t).lastUntil());
            }

            RunReport recovered = DapTestData.run(job, spark, options);
            assertThat(recovered.failures()).isEmpty();
            assertEqualToTheSource(spark, lake, server);
        }
    }

    private static Map<String, Long> versions(SparkSession spark, Lake lake) {
        Map<String, Long> out = new TreeMap<>();
        for (String t : TABLES) {
            out.put(t, DeltaChanges.currentVersion(spark, lake.table("cd2." + t)));
        }
        return out;
    }

    private static void assertEqualToTheSource(SparkSession spark, Lake lake, FakeDapServer server) {
        for (String table : TABLES) {
            DapSchema schema = DapClient.create(DapClient.Settings.defaults(server.baseUrl()),
                    new Secret(server.clientId()), new Secret(server.clientSecret())).schema("canvas", table);
            assertThat(DapTestData.delta(spark, lake, schema)).as(table)
                    .isEqualTo(DapTestData.expected(server, schema));
        }
    }
}
