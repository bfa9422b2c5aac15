package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.canvaslake.sandbox.dap.FakeDapServer.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DAP client against the sandbox's fake DAP API: auth, jobs, errors, throttling, downloads. */
class DapClientTest {

    private static Settings small() {
        return Settings.defaults().withSize(Institution.Size.TEST);
    }

    private static DapClient client(FakeDapServer server, double jobsPerMinute) {
        DapClient.Settings s = DapClient.Settings.defaults(server.baseUrl())
                .withPolling(Duration.ofMillis(20), Duration.ofMillis(100))
                .withJobRate(jobsPerMinute, 10)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
        return DapClient.create(s, new Secret(server.clientId()), new Secret(server.clientSecret()));
    }

    @Test
    void listsTablesReadsSchemasAndRunsAJobThroughWaitingAndRunningToComplete() {
        try (FakeDapServer server = FakeDapServer.start(small().withPollsUntilComplete(3))) {
            DapClient client = client(server, 600);

            assertThat(client.listTables("canvas")).contains("users", "courses", "assignments", "enrollments",
                    "submissions", "accounts", "enrollment_terms", "pseudonyms");
            DapSchema users = client.schema("canvas", "users");
            assertThat(users.keyNames()).containsExactly("id");
            assertThat(users.version()).isEqualTo(1);

            DapJob started = client.startQuery("canvas", "users", DapQuery.snapshot());
            assertThat(started.status()).isEqualTo(DapJob.Status.WAITING);
            assertThat(client.job(started.id()).status()).isEqualTo(DapJob.Status.WAITING);
            assertThat(client.job(started.id()).status()).isEqualTo(DapJob.Status.RUNNING);
            DapJob done = client.awaitJob(started, "users");
            assertThat(done.status()).isEqualTo(DapJob.Status.COMPLETE);
            assertThat(done.at()).isEqualTo(server.lastCommit().toString());
            assertThat(done.objectIds()).isNotEmpty();
            assertThat(done.schemaVersion()).isEqualTo(1);
            assertThat(client.logins()).isEqualTo(1);
        }
    }

    @Test
    void incrementalAfterAnAdvanceChainsSinceToThePreviousPosition() {
        try (FakeDapServer server = FakeDapServer.start(small().withPollsUntilComplete(1))) {
            DapClient client = client(server, 600);
            DapJob snapshot = client.runQuery("canvas", "users", DapQuery.snapshot());
            server.advance();
            DapJob incremental = client.runQuery("canvas", "users", DapQuery.incremental(snapshot.position()));

            assertThat(incremental.since()).isEqualTo(snapshot.at());
            assertThat(incremental.until()).isEqualTo(server.lastCommit().toString());
            assertThat(server.queries()).extracting(FakeDapServer.QueryRecord::since)
                    .containsExactly(null, snapshot.at());
        }
    }

    @Test
    void renewsTheTokenBeforeItExpiresAndOnceWhenTheApiRejectsIt() throws Exception {
        try (FakeDapServer server = FakeDapServer.start(small().withTokenLifetime(Duration.ofSeconds(1)))) {
            DapClient client = client(server, 600);
            client.listTables("canvas");
            Thread.sleep(900);
            client.listTables("canvas");
            assertThat(client.logins()).as("renewed ahead of expiry").isEqualTo(2);
            assertThat(server.count("unauthorized")).isZero();

            server.revokeTokens();
            assertThat(client.listTables("canvas")).contains("users");
            assertThat(client.logins()).isEqualTo(3);
            assertThat(server.count("unauthorized")).isEqualTo(1);
        }
    }

    @Test
    void wrongCredentialsFailWithTheApiErrorAndAHintButNeverTheSecret() {
        try (FakeDapServer server = FakeDapServer.start(small())) {
            DapClient client = DapClient.create(DapClient.Settings.defaults(server.baseUrl()),
                    new Secret(server.clientId()), new Secret("wrong-secret-value"));

            assertThatThrownBy(() -> client.listTables("canvas"))
                    .isInstanceOf(DapApiException.class)
                    .hasMessageContaining("AuthenticationError")
                    .hasMessageContaining("--client-secret")
                    .hasMessageNotContaining("wrong-secret-value");
        }
    }

    @Test
    void surfacesTheErrorTypeAndMessageOfTheApi() {
        try (FakeDapServer server = FakeDapServer.start(small())) {
            DapClient client = client(server, 600);

            assertThatThrownBy(() -> client.schema("canvas", "no_such_table"))
                    .isInstanceOfSatisfying(DapApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.type()).isEqualTo("ObjectNotFound");
                        assertThat(e.uuid()).isNotBlank();
                    })
                    .hasMessageContaining("Table no_such_table does not exist");
            assertThatThrownBy(() -> client.job("12345678-1234-5678-1234-567812345678"))
                    .hasMessageContaining("ObjectNotFound: Job does not exist.");
        }
    }

    @Test
    void aFailedJobRaisesItsErrorTypeAndMessage() {
        try (FakeDapServer server = FakeDapServer.start(small())) {
            DapClient client = client(server, 600);
            server.failNextJob("courses");

            assertThatThrownBy(() -> client.runQuery("canvas", "courses", DapQuery.snapshot()))
                    .isInstanceOf(DapClient.DapJobFailed.class)
                    .hasMessageContaining("ProcessingError: Query execution failed");
            assertThat(client.runQuery("canvas", "courses", DapQuery.snapshot()).status())
                    .isEqualTo(DapJob.Status.COMPLETE);
        }
    }

    @Test
    void waitsOutTheServersRateLimitWhenParallelQueriesOutrunIt() throws Exception {
        // the server takes 2 jobs a second; the client is set far above that, so the server has to push back
        try (FakeDapServer server = FakeDapServer.start(small().withJobLimit(2, Duration.ofSeconds(1)))) {
            DapClient client = client(server, 6000);
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                List<Future<DapJob>> jobs = new ArrayList<>();
                for (String t : List.of("users", "courses", "assignments", "enrollments", "pseudonyms")) {
                    jobs.add(pool.submit(() -> client.runQuery("canvas", t, DapQuery.snapshot())));
                }
                for (Future<DapJob> f : jobs) {
                    assertThat(f.get().status()).isEqualTo(DapJob.Status.COMPLETE);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.count("throttled")).isPositive();
            assertThat(client.stats().throttled()).isEqualTo(server.count("throttled"));
        }
    }

    @Test
    void theClientsOwnJobLimitKeepsParallelQueriesUnderTheServersLimit() throws Exception {
        try (FakeDapServer server = FakeDapServer.start(small().withJobLimit(3, Duration.ofSeconds(1)))) {
            // 120 a minute = 2 a second with a burst of 10 would still be too many at once: use burst 1
            DapClient.Settings s = DapClient.Settings.defaults(server.baseUrl())
                    .withPolling(Duration.ofMillis(20), Duration.ofMillis(100)).withJobRate(120, 1);
            DapClient client = DapClient.create(s, new Secret(server.clientId()), new Secret(server.clientSecret()));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<DapJob>> jobs = new ArrayList<>();
                for (String t : List.of("users", "courses", "assignments", "enrollments")) {
                    jobs.add(pool.submit(() -> client.runQuery("canvas", t, DapQuery.snapshot())));
                }
                for (Future<DapJob> f : jobs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.count("create_job")).isEqualTo(4);
            assertThat(server.count("throttled")).isZero();
        }
    }

    @Test
    void downloadsObjectsVerbatimIntoRawAndRetriesATruncatedOne(@TempDir Path dir) throws IOException {
        try (FakeDapServer server = FakeDapServer.start(small().withRecordsPerObject(15).withPollsUntilComplete(1))) {
            DapClient client = client(server, 600);
            DapJob job = client.runQuery("canvas", "users", DapQuery.snapshot());
            server.truncateNextDownloads(1);

            List<DapObjects.Downloaded> files = DapObjects.download(client, new Configuration(),
                    Lake.at(dir.toString()), "canvas", "users", job);

            int users = Institution.generate(42, Institution.Size.TEST).users().size();
            assertThat(files).hasSize((users + 14) / 15);
            assertThat(files.stream().mapToLong(DapObjects.Downloaded::records).sum()).isEqualTo(users);
            assertThat(server.count("truncated_downloads")).isEqualTo(1);
            assertThat(client.stats().retries()).isEqualTo(1);
            Path first = Path.of(java.net.URI.create(files.get(0).path()));
            assertThat(first.toString()).contains("raw/dap/canvas/users/job=" + job.id()).endsWith(".jsonl.gz");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(first))) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(text.lines()).hasSize(15).allSatisfy(l -> assertThat(l).startsWith("{\"meta\":{\"ts\":"));
            }
        }
    }
}
