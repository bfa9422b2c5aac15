package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.dap.DapSyncState.TableState;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.canvaslake.sandbox.dap.FakeDapServer.QueryRecord;
import org.canvaslake.sandbox.dap.FakeDapServer.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole sync against the fake DAP API, into Delta and the real PostgreSQL and MariaDB of the test machine
 * (each run in a schema/database of its own, dropped afterwards).
 */
@ExtendWith(SparkTest.class)
class DapSyncTest {

    // users: updates and hard deletes; courses: a JSON column and a placeholder; submissions: many updates
    private static final List<String> TABLES = List.of("users", "courses", "submissions");

    @Test
    void snapshotThenTwoIncrementalsEqualTheSourceInDeltaPostgresAndMariaDb(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Lake lake = Lake.at(dir.toString());
        String schema = DapTestData.uniqueSchema();
        try (FakeDapServer server = FakeDapServer.start(Settings.defaults().withSize(Institution.Size.TEST)
                .withRecordsPerObject(100))) {
            DapSyncJob job = new DapSyncJob();
            var options = DapTestData.options(server, lake, "--tables", String.join(",", TABLES),
                    "--pg-url", DapTestData.PG_URL, "--jdbc-url", DapTestData.MARIADB_URL, "--db-schema", schema);
            Set<Long> usersAtStart = ids(server, "users");

            RunReport snapshot = DapTestData.run(job, spark, options);
            assertThat(snapshot.failures()).isEmpty();
            assertThat(snapshot.tableCount("cd2.users", "snapshot")).isEqualTo(1);
            assertSameEverywhere(spark, lake, server, schema);

            server.advance();
            RunReport first = DapTestData.run(job, spark, options);
            server.advance();
            RunReport second = DapTestData.run(job, spark, options);

            assertThat(first.failures()).isEmpty();
            assertThat(second.failures()).isEmpty();
            assertThat(second.tableCount("cd2.users", "incremental")).isEqualTo(1);
            assertThat(first.tableCount("cd2.users", "deleted") + second.tableCount("cd2.users", "deleted"))
                    .as("evolve deletes a user per step").isEqualTo(2);
            assertThat(second.tableCount("cd2.submissions", "upserted")).as("regrades arrive as updates").isPositive();
            assertSameEverywhere(spark, lake, server, schema);

            Set<Long> gone = new java.util.HashSet<>(usersAtStart);
            gone.removeAll(ids(server, "users"));
            assertThat(gone).hasSize(2);
            for (Map<String, String> row : DapTestData.delta(spark, lake, schema("users", server)).values()) {
                assertThat(gone).doesNotContain(Long.parseLong(row.get("id")));
            }

            // the since/until chain: every incremental starts exactly where the table's previous job ended
            for (String table : TABLES) {
                List<QueryRecord> q = server.queries().stream().filter(r -> r.table().equals(table)).toList();
                assertThat(q).extracting(QueryRecord::kind).containsExactly("snapshot", "incremental", "incremental");
                assertThat(q.get(1).since()).isEqualTo(q.get(0).until());
                assertThat(q.get(2).since()).isEqualTo(q.get(1).until());
                TableState state = new DapSyncState(spark, lake).load("canvas").get(table);
                assertThat(state.lastUntil()).isEqualTo(q.get(2).until()).isEqualTo(server.lastCommit().toString());
                assertThat(state.lastMode()).isEqualTo("incremental");
            }
            try (Connection pg = DapTestData.postgres(); Statement s = pg.createStatement();
                 ResultSet rs = s.executeQuery("SELECT table_name, position FROM \"" + schema
                         + "\".canvaslake_sync_state ORDER BY table_name")) {
                List<String> positions = new ArrayList<>();
                while (rs.next()) {
                    positions.add(rs.getString(1) + "@" + rs.getString(2));
                }
                assertThat(positions).containsExactlyElementsOf(TABLES.stream().sorted()
                        .map(t -> t + "@" + server.lastCommit()).toList());
            }
        } finally {
            dropSchemas(schema);
        }
    }

    @Test
    void failuresLeaveTheStateWhereItWasAndTheNextRunCatchesUp(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Lake lake = Lake.at(dir.toString());
        String schema = DapTestData.uniqueSchema();
        List<String> tables = List.of("users", "courses");
        // tokens last two seconds and jobs need several polls, so tokens expire mid-run; one job a second at most
        Settings settings = Settings.defaults().withSize(Institution.Size.TEST).withTokenLifetime(Duration.ofSeconds(2))
                .withPollsUntilComplete(4).withJobLimit(1, Duration.ofSeconds(1));
        Set<String> failAfterData = ConcurrentHashMap.newKeySet();
        TableSync.Checkpoint crash = table -> {
            if (failAfterData.remove(table)) {
                throw new IllegalStateException("injected: killed after writing " + table + " before its state");
            }
        };
        try (FakeDapServer server = FakeDapServer.start(settings)) {
            DapSyncJob job = new DapSyncJob(crash, UnaryOperator.identity());
            var options = DapTestData.options(server, lake, "--tables", String.join(",", tables),
                    "--pg-url", DapTestData.PG_URL, "--db-schema", schema, "--poll-seconds", "0.3");

            RunReport first = DapTestData.run(job, spark, options);
            assertThat(first.failures()).isEmpty();
            assertThat(first.counter("dap.logins")).as("the token was renewed mid-run").isGreaterThan(1);
            // whether the service throttles depends on timing (the client limits itself first): every 429 it did
            // send was waited out and counted (DapClientTest forces 429s deterministically)
            assertThat(first.counter("dap.http_throttled")).as("429s were waited out")
                    .isEqualTo(server.count("throttled"));
            Map<String, TableState> before = new DapSyncState(spark, lake).load("canvas");

            try (Connection pg = DapTestData.postgres(); Statement s = pg.createStatement()) {
                s.execute("CREATE VIEW \"" + schema + "\".user_names AS SELECT id, name FROM \"" + schema + "\".users");
                s.execute("CREATE VIEW \"" + schema + "\".user_count AS SELECT count(*) AS n FROM \"" + schema
                        + "\".user_names");
            }
            server.bumpSchema("users");
            server.advance();
            failAfterData.add("users");
            server.failNextJob("courses");

            RunReport broken = DapTestData.run(job, spark, options);
            assertThat(broken.exitCode()).isEqualTo(1);
            assertThat(broken.failures()).extracting(RunReport.Failure::unit)
                    .containsExactlyInAnyOrder("cd2.users", "cd2.courses");
            assertThat(broken.failures()).anySatisfy(f -> assertThat(f.message())
                    .contains("ProcessingError: Query execution failed"));
            Map<String, TableState> afterBroken = new DapSyncState(spark, lake).load("canvas");
            assertThat(afterBroken.get("users").lastUntil()).isEqualTo(before.get("users").lastUntil());
            assertThat(afterBroken.get("courses").lastUntil()).isEqualTo(before.get("courses").lastUntil());

            server.requireSnapshot("courses");
            RunReport repaired = DapTestData.run(job, spark, options);
            assertThat(repaired.failures()).isEmpty();
            assertThat(repaired.tableCount("cd2.courses", "snapshot")).as("re-initialised when DAP asks").isEqualTo(1);
            assertThat(repaired.notes()).anySatisfy(n -> assertThat(n).startsWith("cd2.courses:")
                    .contains("SnapshotRequiredError"));
            // the broken run had already added the column before it was killed; the version change is reported now
            assertThat(repaired.notes()).anySatisfy(n -> assertThat(n).startsWith("cd2.users:")
                    .contains("schema version 1 -> 2"));
            for (String table : tables) {
                DapSchema s = schema(table, server);
                assertThat(DapTestData.delta(spark, lake, s)).as(table).isEqualTo(DapTestData.expected(server, s));
                try (Connection pg = DapTestData.postgres()) {
                    assertThat(DapTestData.sql(pg, schema, s, "\"")).as(table).isEqualTo(DapTestData.expected(server, s));
                }
            }
            assertThat(DeltaTables.read(spark, lake.table("cd2.users")).columns()).contains("pronouns");
            try (Connection pg = DapTestData.postgres(); Statement s = pg.createStatement();
                 ResultSet rs = s.executeQuery("SELECT n FROM \"" + schema + "\".user_count")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).as("the dependent views survived the new column")
                        .isEqualTo(server.currentRows("users").size());
            }
            // users' state was not written in the broken run, so the repair asked again from the same point
            List<QueryRecord> users = server.queries().stream().filter(q -> q.table().equals("users")).toList();
            assertThat(users).extracting(QueryRecord::since)
                    .containsExactly(null, before.get("users").lastUntil(), before.get("users").lastUntil());
        } finally {
            dropSchemas(schema);
        }
    }

    /**
     * Two lakes fed by two DAP accounts whose positions are the same instants (two fake institutions, one commit
     * clock), mirrored into one schema by mistake: a lake's incremental must not be applied on top of the rows the
     * other lake loaded, though the mirror's position lies where the batch starts.
     */
    @Test
    void aMirrorAnotherLakeLoadedIsReplacedFromThisLakeNotContinued(SparkSession spark, @TempDir Path dir)
            throws Exception {
        Lake lakeA = Lake.at(dir.resolve("a").toString());
        Lake lakeB = Lake.at(dir.resolve("b").toString());
        String schema = DapTestData.uniqueSchema();
        Settings small = Settings.defaults().withSize(Institution.Size.TEST);
        try (FakeDapServer a = FakeDapServer.start(small); FakeDapServer b = FakeDapServer.start(small.withSeed(7))) {
            DapSyncJob job = new DapSyncJob();
            String[] mirror = {"--tables", "users", "--pg-url", DapTestData.PG_URL, "--db-schema", schema};
            var optionsA = DapTestData.options(a, lakeA, mirror);
            var optionsB = DapTestData.options(b, lakeB, mirror);
            DapSchema users = schema("users", a);
            assertThat(DapTestData.expected(b, users)).as("two institutions")
                    .isNotEqualTo(DapTestData.expected(a, users));

            assertThat(DapTestData.run(job, spark, optionsA).failures()).isEmpty();
            RunReport takenOver = DapTestData.run(job, spark, optionsB);
            assertThat(takenOver.failures()).isEmpty();
            assertThat(pgUsers(schema, users)).isEqualTo(DapTestData.expected(b, users));
            assertThat(a.lastCommit()).as("the same positions in both accounts").isEqualTo(b.lastCommit());

            a.advance();
            RunReport back = DapTestData.run(job, spark, optionsA);
            assertThat(back.failures()).isEmpty();
            assertThat(back.tableCount("cd2.users", "incremental")).isEqualTo(1);
            assertThat(back.notes()).anySatisfy(n -> assertThat(n).startsWith("cd2.users:")
                    .contains("was last loaded from dap:canvas.users in " + lakeB.table("cd2.users"))
                    .contains("give each its own --db-schema"));
            assertThat(pgUsers(schema, users)).as("lake A's users only, none of B's left")
                    .isEqualTo(DapTestData.expected(a, users));

            // a mirror recorded by a release that named the DAP table alone is taken as this lake's and continued
            try (Connection pg = DapTestData.postgres(); Statement s = pg.createStatement()) {
                s.executeUpdate("UPDATE \"" + schema + "\".canvaslake_sync_state SET source = 'dap:canvas.users'");
            }
            a.advance();
            RunReport continued = DapTestData.run(job, spark, optionsA);
            assertThat(continued.failures()).isEmpty();
            assertThat(continued.notes()).noneSatisfy(n -> assertThat(n).contains("was last loaded from"));
            assertThat(continued.tableCount("cd2.users", "postgresql_upserted")).as("the batch's rows, not all")
                    .isPositive().isLessThan(a.currentRows("users").size());
            assertThat(pgUsers(schema, users)).isEqualTo(DapTestData.expected(a, users));
            try (Connection pg = DapTestData.postgres(); Statement s = pg.createStatement();
                 ResultSet rs = s.executeQuery("SELECT source FROM \"" + schema + "\".canvaslake_sync_state")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("dap:canvas.users in " + lakeA.table("cd2.users"));
            }
        } finally {
            dropSchemas(schema);
        }
    }

    private static Map<String, Map<String, String>> pgUsers(String dbSchema, DapSchema users) throws Exception {
        try (Connection pg = DapTestData.postgres()) {
            return DapTestData.sql(pg, dbSchema, users, "\"");
        }
    }

    private static DapSchema schema(String table, FakeDapServer server) {
        return DapClient.create(DapClient.Settings.defaults(server.baseUrl()), new Secret(server.clientId()),
                new Secret(server.clientSecret())).schema("canvas", table);
    }

    private static void assertSameEverywhere(SparkSession spark, Lake lake, FakeDapServer server, String dbSchema)
            throws Exception {
        try (Connection pg = DapTestData.postgres(); Connection maria = DapTestData.mariadb()) {
            for (String table : TABLES) {
                DapSchema s = schema(table, server);
                var expected = DapTestData.expected(server, s);
                assertThat(expected).as(table).isNotEmpty();
                assertThat(DapTestData.delta(spark, lake, s)).as("Delta " + table).isEqualTo(expected);
                assertThat(DapTestData.sql(pg, dbSchema, s, "\"")).as("PostgreSQL " + table).isEqualTo(expected);
                assertThat(DapTestData.sql(maria, dbSchema, s, "`")).as("MariaDB " + table).isEqualTo(expected);
            }
        }
    }

    private static Set<Long> ids(FakeDapServer server, String table) {
        Set<Long> out = new java.util.HashSet<>();
        server.currentRows(table).forEach(r -> out.add(r.get("id").asLong()));
        return out;
    }

    private static void dropSchemas(String schema) throws Exception {
        try (Connection pg = DapTestData.postgres(); Statement s = pg.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
        try (Connection maria = DapTestData.mariadb(); Statement s = maria.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS `" + schema + "`");
        }
    }
}
