package org.canvaslake.mirror.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.delta.tables.DeltaTable;

/**
 * The mirror's incremental tracking against a recording loader (the real loader is the DAP mirror's JdbcMirror)
 * and its state kept in a real PostgreSQL / MariaDB.
 */
@ExtendWith(SparkTest.class)
class LakeMirrorJobTest {

    static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/test";
    static final StructType SCHEMA = new StructType().add("event_id", DataTypes.StringType)
            .add("event_name", DataTypes.StringType).add("n", DataTypes.LongType);

    private final SparkSession spark;

    LakeMirrorJobTest(SparkSession spark) {
        this.spark = spark;
    }

    /** A target that holds rows by key, as the real loader's upserts would leave a SQL table. */
    static class RecordingLoader implements TableLoader {
        final Map<String, Map<String, List<Object>>> tables = new TreeMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public LoadResult replace(String schema, String table, StructType s, List<String> keys, Iterator<Row> rows) {
            calls.add("replace " + schema + "." + table);
            tables.put(schema + "." + table, new TreeMap<>());
            return put(schema + "." + table, s, keys, rows);
        }

        @Override
        public LoadResult upsert(String schema, String table, StructType s, List<String> keys, Iterator<Row> rows) {
            calls.add("upsert " + schema + "." + table);
            return put(schema + "." + table, s, keys, rows);
        }

        @Override
        public LoadResult delete(String schema, String table, StructType keySchema, List<String> keys,
                                 Iterator<Row> keyRows) {
            calls.add("delete " + schema + "." + table);
            long n = 0;
            while (keyRows.hasNext()) {
                Row k = keyRows.next();
                Object key = k.get(0);
                tables.get(schema + "." + table).remove(String.valueOf(key));
                n++;
            }
            return new LoadResult(n);
        }

        private LoadResult put(String name, StructType s, List<String> keys, Iterator<Row> rows) {
            long n = 0;
            while (rows.hasNext()) {
                Row r = rows.next();
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < r.length(); i++) {
                    values.add(r.get(i));
                }
                Object key = r.getAs(keys.get(0));
                tables.computeIfAbsent(name, x -> new TreeMap<>()).put(String.valueOf(key), values);
                n++;
            }
            return new LoadResult(n);
        }

        @Override
        public void close() {
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {PG, MARIADB})
    void mirrorsOnlyWhatChangedSinceTheLastMirroredVersion(String url, @TempDir Path dir) throws Exception {
        String stateTable = "mirror_state_test";
        drop(url, stateTable);
        Lake lake = Lake.at(dir.toString());
        String path = lake.table("events.live_stream");
        DeltaTables.append(spark.createDataFrame(List.of(row("a", 1), row("b", 2), row("c", 3)), SCHEMA), path,
                List.of());
        RecordingLoader loader = new RecordingLoader();
        LakeMirrorJob job = new LakeMirrorJob(t -> loader, t -> new JdbcMirrorState(t, stateTable));

        RunReport first = run(job, lake, url);
        assertThat(loader.calls).containsExactly("replace events.live_stream");
        assertThat(target(loader)).containsExactly("a=[a, e, 1]", "b=[b, e, 2]", "c=[c, e, 3]");
        assertThat(first.tableCount("events.live_stream", "mirrored_rows")).isEqualTo(3);

        DeltaTables.append(spark.createDataFrame(List.of(row("d", 4), row("e", 5)), SCHEMA), path, List.of());
        DeltaTable.forPath(spark, path).updateExpr("event_id = 'b'", Map.of("n", "20"));
        DeltaTable.forPath(spark, path).delete("event_id = 'c'");
        loader.calls.clear();
        RunReport second = run(job, lake, url);
        assertThat(loader.calls).containsExactly("upsert events.live_stream", "delete events.live_stream");
        assertThat(second.tableCount("events.live_stream", "mirrored_upserts")).isEqualTo(3);
        assertThat(second.tableCount("events.live_stream", "mirrored_deletes")).isEqualTo(1);
        List<String> lakeRows = DeltaTables.read(spark, path).collectAsList().stream()
                .map(r -> r.getString(0) + "=" + Arrays.asList(r.get(0), r.get(1), r.get(2))).sorted().toList();
        assertThat(target(loader)).isEqualTo(lakeRows);

        loader.calls.clear();
        RunReport third = run(job, lake, url);
        assertThat(loader.calls).isEmpty();
        assertThat(third.notes()).anyMatch(n -> n.contains("up to date"));

        loader.calls.clear();
        run(job, lake, url, "--full");
        assertThat(loader.calls).containsExactly("replace events.live_stream");
        assertThat(target(loader)).isEqualTo(lakeRows);
    }

    /**
     * Two mirror runs into one database: the second finds the first's lock in the database (a session of its own, as
     * another process's would be) and stops before reading or loading anything; a run keeping its state in another
     * table is not held up; once the first lets go, the next run mirrors.
     */
    @ParameterizedTest
    @ValueSource(strings = {PG, MARIADB})
    void aRunWhileAnotherHoldsTheTargetsLockStopsAtOnceAndLoadsNothing(String url, @TempDir Path dir)
            throws Exception {
        String stateTable = "mirror_lock_test";
        String otherState = "mirror_lock_test_other";
        drop(url, stateTable);
        drop(url, otherState);
        Lake lake = Lake.at(dir.toString());
        DeltaTables.append(spark.createDataFrame(List.of(row("a", 1)), SCHEMA), lake.table("events.live_stream"),
                List.of());
        RecordingLoader loader = new RecordingLoader();
        LakeMirrorJob job = new LakeMirrorJob(t -> loader, t -> new JdbcMirrorState(t, stateTable));
        boolean pg = url.contains("postgresql");
        TableLoaders.Target target = admin(url);
        try (MirrorLock other = MirrorLock.take(target, stateTable, "the-scheduled-run")) {
            RunReport refused = runOn(job, lake, url, "--state-table", stateTable);
            assertThat(refused.failures()).singleElement().satisfies(f -> {
                assertThat(f.unit()).isEqualTo(LakeMirrorJob.LOCK_HELD);
                assertThat(f.message()).contains("Another mirror run into this database holds", stateTable,
                        pg ? "'canvaslake mirror run the-scheduled-run'" : "connection ", "read and wrote nothing");
            });
            assertThat(loader.calls).as("nothing loaded").isEmpty();
            assertThat(tableExists(url, stateTable)).as("its state not even read").isFalse();

            LakeMirrorJob apart = new LakeMirrorJob(t -> loader, t -> new JdbcMirrorState(t, otherState));
            assertThat(runOn(apart, lake, url, "--state-table", otherState).failures()).isEmpty();
            assertThat(loader.calls).containsExactly("replace events.live_stream");
        }
        loader.calls.clear();
        assertThat(run(job, lake, url, "--state-table", stateTable).failures()).isEmpty();
        assertThat(loader.calls).containsExactly("replace events.live_stream");
        drop(url, stateTable);
        drop(url, otherState);
    }

    /**
     * The lock's connection ends in the middle of a run (a database restart, a network cut, an administrator's kill):
     * the database has let the lock go, so another run may start. This run checks before it saves a table's state and
     * before each next table: it saves nothing more and loads nothing more.
     */
    @ParameterizedTest
    @ValueSource(strings = {PG, MARIADB})
    void aRunWhoseLockConnectionEndsSavesNoStateAndLoadsNoTableAfter(String url, @TempDir Path dir) throws Exception {
        String stateTable = "mirror_lock_cut_test";
        drop(url, stateTable);
        Lake lake = Lake.at(dir.toString());
        for (String table : List.of("events.live_stream", "events.second")) {
            DeltaTables.append(spark.createDataFrame(List.of(row("a", 1)), SCHEMA), lake.table(table), List.of());
        }
        RecordingLoader loader = new RecordingLoader() {
            @Override
            public LoadResult replace(String schema, String table, StructType s, List<String> keys,
                                      Iterator<Row> rows) {
                endLockConnection(url, stateTable);
                return super.replace(schema, table, s, keys, rows);
            }
        };
        LakeMirrorJob job = new LakeMirrorJob(t -> loader, t -> new JdbcMirrorState(t, stateTable));

        RunReport cut = runOn(job, lake, url, "--state-table", stateTable, "--tables",
                "events.live_stream,events.second");

        assertThat(loader.calls).as("the first table, loaded while the lock was held").containsExactly(
                "replace events.live_stream");
        assertThat(cut.failures()).extracting(RunReport.Failure::unit)
                .containsExactly("events.live_stream", "events.second");
        assertThat(cut.failures()).allSatisfy(f -> assertThat(f.message()).contains("lock connection ended"));
        assertThat(savedStates(url, stateTable)).as("no state saved after the lock was gone").isZero();
        drop(url, stateTable);
    }

    /** Ends, from another session, the connection holding the mirror's lock of {@code stateTable}. */
    private static void endLockConnection(String url, String stateTable) {
        boolean pg = url.contains("postgresql");
        try (Connection c = connect(url);
             Statement s = c.createStatement()) {
            String holder = pg ? "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = "
                    + MirrorLock.PG_CLASS + " AND objid::bigint = " + MirrorLock.key(stateTable) + " AND objsubid = 2"
                    : "SELECT IS_USED_LOCK('" + MirrorLock.mariaDbName("test", stateTable) + "')";
            long id;
            try (java.sql.ResultSet r = s.executeQuery(holder)) {
                assertThat(r.next()).as("the lock is held").isTrue();
                id = r.getLong(1);
            }
            assertThat(id).as("the lock is held").isPositive();
            s.execute(pg ? "SELECT pg_terminate_backend(" + id + ")" : "KILL CONNECTION " + id);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many table states the state table holds (0 when it is not there). */
    private static long savedStates(String url, String stateTable) throws Exception {
        if (!tableExists(url, stateTable)) {
            return 0;
        }
        try (Connection c = connect(url);
             Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM "
                + stateTable)) {
            r.next();
            return r.getLong(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {PG, MARIADB})
    void theRealLoaderLeavesTheDatabaseTableEqualToTheLakeTable(String url, @TempDir Path dir) throws Exception {
        String schema = "mirror_e2e_" + Long.toHexString(System.nanoTime());
        Lake lake = Lake.at(dir.toString());
        String path = lake.table("events.live_stream");
        DeltaTables.append(spark.createDataFrame(List.of(row("a", 1), row("b", 2), row("c", 3)), SCHEMA), path,
                List.of());
        LakeMirrorJob job = new LakeMirrorJob();
        try {
            // a state table of this test's own, so parallel or earlier runs cannot interfere
            String state = schema + "_state";
            run(job, lake, url, "--target-schema", schema, "--state-table", state);
            assertThat(sqlRows(url, schema)).containsExactly("a|e|1", "b|e|2", "c|e|3");

            DeltaTables.append(spark.createDataFrame(List.of(row("d", 4)), SCHEMA), path, List.of());
            DeltaTable.forPath(spark, path).updateExpr("event_id = 'b'", Map.of("n", "20"));
            DeltaTable.forPath(spark, path).delete("event_id = 'c'");
            RunReport second = run(job, lake, url, "--target-schema", schema, "--state-table", state);

            assertThat(second.tableCount("events.live_stream", "mirrored_deletes")).isEqualTo(1);
            assertThat(sqlRows(url, schema)).containsExactly("a|e|1", "b|e|20", "d|e|4");

            // the same lake table into a second schema, same state table: the state is per target table, so the new
            // target is loaded in full rather than taken for up to date
            RunReport other = run(job, lake, url, "--target-schema", schema + "_b", "--state-table", state);
            assertThat(other.notes()).anyMatch(n -> n.contains("first mirror of this table"));
            assertThat(sqlRows(url, schema + "_b")).containsExactly("a|e|1", "b|e|20", "d|e|4");
            RunReport again = run(job, lake, url, "--target-schema", schema, "--state-table", state);
            assertThat(again.notes()).anyMatch(n -> n.contains("up to date"));
        } finally {
            dropSchema(url, schema);
            dropSchema(url, schema + "_b");
            drop(url, schema + "_state");
        }
    }

    private static List<String> sqlRows(String url, String schema) throws Exception {
        boolean pg = url.contains("postgresql");
        String table = pg ? "\"" + schema + "\".\"events_live_stream\"" : "`" + schema + "`.`events_live_stream`";
        List<String> out = new ArrayList<>();
        try (Connection c = connect(url);
             Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT event_id, event_name, n FROM " + table + " ORDER BY event_id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3));
            }
        }
        return out;
    }

    private static void dropSchema(String url, String schema) throws Exception {
        boolean pg = url.contains("postgresql");
        try (Connection c = connect(url);
             Statement s = c.createStatement()) {
            s.execute(pg ? "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE" : "DROP DATABASE IF EXISTS `" + schema + "`");
        }
    }

    @Test
    void optionsAreCheckedBeforeAnythingIsRead() {
        assertThat(LakeMirrorJob.guessKeys("cd2.users", new String[] {"id", "name"})).containsExactly("id");
        assertThat(LakeMirrorJob.guessKeys("canvas.courses", new String[] {"course_id", "x"}))
                .containsExactly("course_id");
        assertThatThrownBy(() -> LakeMirrorJob.guessKeys("x.things", new String[] {"a"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("--keys x.things=");
        assertThat(LakeMirrorJob.parseKeys(List.of("cd2.enrollments=id", "x.y=a+b")))
                .containsEntry("cd2.enrollments", List.of("id")).containsEntry("x.y", List.of("a", "b"));
        assertThat(LakeMirrorJob.targetName("events.live_stream", "bi")).containsExactly("bi", "events_live_stream");
        LakeMirrorJob job = new LakeMirrorJob();
        Options noUrl = Options.parse(job.spec(), List.of("--tables", "events.live_stream"), n -> null,
                new SecretResolver(n -> null, n -> null, n -> null));
        assertThatThrownBy(() -> job.runWith(spark, noUrl, RunReport.start("mirror")))
                .isInstanceOf(UsageException.class).hasMessageContaining("--jdbc-url");
    }

    private RunReport run(LakeMirrorJob job, Lake lake, String url, String... more) {
        RunReport report = runOn(job, lake, url, more);
        assertThat(report.failures()).as(report.toText()).isEmpty();
        return report;
    }

    /** Runs the job and returns its report whatever it says. */
    private RunReport runOn(LakeMirrorJob job, Lake lake, String url, String... more) {
        List<String> args = new ArrayList<>(List.of("--lake", lake.root(), "--tables", "events.live_stream",
                "--jdbc-url", url, "--jdbc-user", admin(url).user()));
        args.addAll(List.of(more));
        Options options = Options.parse(job.spec(), args, n -> null, new SecretResolver(n -> null, n -> null, n -> null));
        return job.runWith(spark, options, RunReport.start("mirror"));
    }

    private static List<String> target(RecordingLoader loader) {
        return loader.tables.getOrDefault("events.live_stream", Map.of()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
    }

    private static Row row(String id, long n) {
        return RowFactory.create(id, "e", n);
    }

    private static boolean tableExists(String url, String table) throws Exception {
        try (Connection c = connect(url);
             java.sql.ResultSet rs = c.getMetaData().getTables(c.getCatalog(), null, table, null)) {
            return rs.next();
        }
    }

    static void drop(String url, String table) throws Exception {
        try (Connection c = connect(url);
             Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    /** The test database as its administrator (postgres, root), with no password (trust authentication). */
    static TableLoaders.Target admin(String url) {
        return new TableLoaders.Target(url, url.contains("postgresql") ? "postgres" : "root", null);
    }

    /** A connection to the test database as its administrator. */
    static Connection connect(String url) throws java.sql.SQLException {
        return admin(url).connect();
    }
}
