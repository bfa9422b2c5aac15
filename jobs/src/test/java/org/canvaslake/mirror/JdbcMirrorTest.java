package org.canvaslake.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.json.Json;
import org.canvaslake.mirror.MirrorResult.TableChange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generic loader against the real PostgreSQL and MariaDB of the test machine (a schema/database of its own per
 * test, dropped afterwards), fed plain rows so it is tested without Spark.
 */
class JdbcMirrorTest {

    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/test?user=root";

    private static final StructType V1 = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("name", DataTypes.StringType)
            .add("score", DataTypes.IntegerType)
            .add("active", DataTypes.BooleanType)
            .add("seen_at", DataTypes.TimestampType)
            .add("settings", DataTypes.StringType, true, new MetadataBuilder().putBoolean("canvaslake.json", true).build())
            .add("__deleted", DataTypes.BooleanType);

    private static Row row(long id, String name, Integer score, boolean deleted) {
        return RowFactory.create(id, name, score, id % 2 == 0, Timestamp.from(Instant.parse("2026-09-01T10:00:00.123456Z")),
                "{\"tabs\": [\"home\"], \"id\": " + id + "}", deleted);
    }

    /** The third: a MariaDB connection that may not use LOAD DATA LOCAL, so the multi-row INSERT path loads. */
    @ParameterizedTest
    @ValueSource(strings = {PG, MARIADB, MARIADB + "&allowLocalInfile=false"})
    void upsertsDeletesAndReplacesWithTheStateInTheSameTransaction(String url) throws Exception {
        String schema = "cl_test_" + UUID.randomUUID().toString().substring(0, 8);
        JdbcMirror mirror = JdbcMirror.at(url, null, null);
        MirrorTarget target = MirrorTarget.of(schema, "people", List.of("id")).deleteWhere("__deleted");
        try {
            MirrorResult first = mirror.load(V1, rows(row(1, "Ada", 5, false), row(2, "Ben\tTab\\Slash\nLine", null, false),
                    row(3, "Chloe", 7, false)), target, LoadMode.UPSERT, new SyncPosition("test", "p1", 1, "j1"));
            assertThat(first.change().created()).isTrue();
            assertThat(first.staged()).isEqualTo(3);

            MirrorResult second = mirror.load(V1, rows(row(1, "Ada", 5, false), row(2, null, null, true),
                    row(4, "Dmitri", 9, false)), target, LoadMode.UPSERT, new SyncPosition("test", "p2", 1, "j2"));
            assertThat(second.deleted()).isEqualTo(1);
            assertThat(names(url, schema)).containsExactly("1:Ada", "3:Chloe", "4:Dmitri");
            assertThat(mirror.position(target)).contains(new SyncPosition("test", "p2", 1, "j2"));

            // a JSON value holding a NUL (the escape PostgreSQL's jsonb refuses, failing the whole load) beside an
            // escaped backslash followed by "u0000" (text, kept)
            Row nul = RowFactory.create(6L, "Fay", 2, true, null, "{\"note\": \"a\\u0000b\", \"path\": \"C:\\\\u0000\"}",
                    false);
            // a typo'd year: Spark hands out such a time as a Timestamp shifted to the hybrid Julian calendar
            Instant year1019 = Instant.parse("1019-03-04T10:00:00Z");
            Row old = RowFactory.create(7L, "Gus", 3, false, DateTimeUtils.toJavaTimestamp(
                    DateTimeUtils.instantToMicros(year1019)), null, false);
            mirror.load(V1, rows(row(3, "Chloe B", 7, false), row(5, "Esra", 1, false), nul, old),
                    MirrorTarget.of(schema, "people", List.of("id")), LoadMode.REPLACE, new SyncPosition("test", "p3", 1, "j3"));
            assertThat(names(url, schema)).containsExactly("3:Chloe B", "5:Esra", "6:Fay", "7:Gus");
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seen_at FROM " + q(url, schema) + "." + q(url, "people")
                         + " WHERE id = 7")) {
                assertThat(rs.next()).isTrue();
                Instant seen = url.contains("postgresql") ? rs.getObject(1, java.time.OffsetDateTime.class).toInstant()
                        : rs.getObject(1, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC);
                assertThat(seen).isEqualTo(year1019);
            }
            assertThat(Json.parse(strings(url, "SELECT settings FROM " + q(url, schema) + "." + q(url, "people")
                    + " WHERE id = 6").get(0))).isEqualTo(Json.parse("{\"note\": \"ab\", \"path\": \"C:\\\\u0000\"}"));

            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT settings, seen_at, active FROM " + q(url, schema) + "."
                         + q(url, "people") + " WHERE id = 5")) {
                assertThat(rs.next()).isTrue();
                assertThat(Json.parse(rs.getString(1))).isEqualTo(Json.parse("{\"tabs\": [\"home\"], \"id\": 5}"));
                Instant seen = url.contains("postgresql") ? rs.getObject(2, java.time.OffsetDateTime.class).toInstant()
                        : rs.getObject(2, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC);
                assertThat(seen).isEqualTo(Instant.parse("2026-09-01T10:00:00.123456Z"));
                assertThat(rs.getBoolean(3)).isFalse();
            }

            // a failure mid-load leaves table and state as they were
            Iterator<Row> broken = new Iterator<>() {
                int n;

                public boolean hasNext() {
                    return true;
                }

                public Row next() {
                    if (++n > 2) {
                        throw new IllegalStateException("source failed mid-load");
                    }
                    return row(100 + n, "x", 1, false);
                }
            };
            assertThatThrownBy(() -> mirror.load(V1, broken, target, LoadMode.UPSERT,
                    new SyncPosition("test", "p4", 1, "j4"))).hasStackTraceContaining("source failed mid-load");
            assertThat(names(url, schema)).containsExactly("3:Chloe B", "5:Esra", "6:Fay", "7:Gus");
            assertThat(mirror.position(target).map(SyncPosition::position)).contains("p3");
        } finally {
            drop(url, schema);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {PG, MARIADB})
    void dependentViewsSurviveANewColumnATypeChangeAndANewKey(String url) throws Exception {
        String schema = "cl_test_" + UUID.randomUUID().toString().substring(0, 8);
        JdbcMirror mirror = JdbcMirror.at(url, null, null);
        MirrorTarget target = MirrorTarget.of(schema, "people", List.of("id")).deleteWhere("__deleted");
        try {
            mirror.load(V1, rows(row(1, "Ada", 5, false), row(2, "Ben", 6, false)), target, LoadMode.UPSERT, null);
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("CREATE VIEW " + q(url, schema) + ".scores AS SELECT id, name, score FROM " + q(url, schema)
                        + "." + q(url, "people"));
                s.execute("CREATE VIEW " + q(url, schema) + ".top AS SELECT name FROM " + q(url, schema) + "."
                        + q(url, "scores") + " WHERE score > 5");
            }

            StructType v2 = V1.add("pronouns", DataTypes.StringType);
            Row withPronouns = RowFactory.create(3L, "Chloe", 8, true, null, null, false, "she/her");
            TableChange added = mirror.load(v2, rows(withPronouns), target, LoadMode.UPSERT, null).change();
            assertThat(added.addedColumns()).containsExactly("pronouns");
            assertThat(added.restoredViews()).isEmpty();
            assertThat(view(url, schema, "top")).containsExactlyInAnyOrder("Ben", "Chloe");

            // score int -> double: ALTER COLUMN TYPE, which a dependent view blocks in PostgreSQL
            StructType v3 = new StructType(java.util.Arrays.stream(v2.fields())
                    .map(f -> f.name().equals("score") ? new org.apache.spark.sql.types.StructField("score",
                            DataTypes.DoubleType, true, f.metadata()) : f)
                    .toArray(org.apache.spark.sql.types.StructField[]::new));
            Row doubled = RowFactory.create(4L, "Dmitri", 5.5, true, null, null, false, null);
            TableChange changed = mirror.load(v3, rows(doubled), target, LoadMode.UPSERT, null).change();
            assertThat(changed.changedColumns()).containsExactly("score");
            assertThat(changed.restoredViews()).containsExactly(schema + ".scores", schema + ".top");
            assertThat(view(url, schema, "top")).containsExactlyInAnyOrder("Ben", "Chloe", "Dmitri");
            assertThat(savedViews(url, schema)).containsExactly("scores:restored", "top:restored");

            // a new key recreates the table: the loader says every row is needed again
            MirrorTarget byName = MirrorTarget.of(schema, "people", List.of("id", "name"));
            TableChange recreated = mirror.prepare(byName, v3);
            assertThat(recreated.needsFullLoad()).isTrue();
            mirror.load(v3, rows(RowFactory.create(9L, "Zoe", 9.0, true, null, null, false, null)),
                    byName.deleteWhere("__deleted"), LoadMode.REPLACE, null);
            assertThat(view(url, schema, "top")).containsExactly("Zoe");
        } finally {
            drop(url, schema);
        }
    }

    private static Iterator<Row> rows(Row... rows) {
        return List.of(rows).iterator();
    }

    private static String q(String url, String name) {
        return url.contains("postgresql") ? "\"" + name + "\"" : "`" + name + "`";
    }

    private static List<String> names(String url, String schema) throws SQLException {
        return strings(url, "SELECT id, name FROM " + q(url, schema) + "." + q(url, "people") + " ORDER BY id");
    }

    private static List<String> view(String url, String schema, String view) throws SQLException {
        return strings(url, "SELECT name FROM " + q(url, schema) + "." + q(url, view));
    }

    private static List<String> savedViews(String url, String schema) throws SQLException {
        return strings(url, "SELECT view_name, CASE WHEN restored_at IS NULL THEN 'saved' ELSE 'restored' END FROM "
                + q(url, schema) + "." + q(url, SqlDialect.SAVED_VIEWS_TABLE) + " ORDER BY id");
    }

    /** Each row of a query as its columns joined by ':'. */
    private static List<String> strings(String url, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> cells = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    cells.add(rs.getString(i));
                }
                out.add(String.join(":", cells));
            }
        }
        return out;
    }

    private static void drop(String url, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(url.contains("postgresql") ? "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE"
                    : "DROP DATABASE IF EXISTS `" + schema + "`");
        }
    }
}
