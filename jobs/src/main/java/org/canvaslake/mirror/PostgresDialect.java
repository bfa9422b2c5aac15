package org.canvaslake.mirror;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.canvaslake.mirror.SqlColumn.Family;
import org.postgresql.PGConnection;

/**
 * PostgreSQL: {@code COPY ... FROM STDIN} (pgjdbc's CopyManager) for bulk loads, {@code INSERT ... ON CONFLICT DO
 * UPDATE} that rewrites a row only when a column differs, and view dependencies from {@code pg_depend}. DDL is
 * transactional, so a schema change and its view restore commit together or not at all.
 */
final class PostgresDialect extends SqlDialect {

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS'+00'")
            .withZone(ZoneOffset.UTC);

    @Override
    String name() {
        return "PostgreSQL";
    }

    @Override
    String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static final Map<Family, String> DDL = Map.ofEntries(Map.entry(Family.LONG, "bigint"),
            Map.entry(Family.INT, "integer"), Map.entry(Family.SMALL, "smallint"),
            Map.entry(Family.DOUBLE, "double precision"), Map.entry(Family.FLOAT, "real"),
            Map.entry(Family.BOOLEAN, "boolean"), Map.entry(Family.TIMESTAMP, "timestamptz"),
            Map.entry(Family.TIMESTAMP_NTZ, "timestamp"), Map.entry(Family.DATE, "date"),
            Map.entry(Family.DECIMAL, "numeric"), Map.entry(Family.TEXT, "text"), Map.entry(Family.KEY_TEXT, "text"),
            Map.entry(Family.JSON, "jsonb"));
    private static final Map<Family, String> REPORTED = new EnumMap<>(DDL);

    static {
        REPORTED.put(Family.TIMESTAMP, "timestamp with time zone");
        REPORTED.put(Family.TIMESTAMP_NTZ, "timestamp without time zone");
    }

    @Override
    Map<Family, String> ddlTypes() {
        return DDL;
    }

    @Override
    Map<Family, String> reportedTypes() {
        return REPORTED;
    }

    @Override
    boolean transactionalDdl() {
        return true;
    }

    @Override
    void ensureSchema(Connection c, String schema) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
        }
    }

    @Override
    String now() {
        return "now()";
    }

    @Override
    String booleanText(boolean b) {
        return b ? "t" : "f";
    }

    @Override
    String timestampText(Instant instant) {
        return TS.format(instant);
    }

    @Override
    String nonFiniteText(double d) {
        return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    }

    @Override
    List<String> primaryKey(Connection c, String schema, String table) throws SQLException {
        return query(c, "SELECT a.attname FROM pg_index i "
                + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                + "WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
                table(schema, table)).stream().map(r -> r[0]).toList();
    }

    @Override
    String alterColumnType(String schema, String table, SqlColumn c) {
        return "ALTER TABLE " + table(schema, table) + " ALTER COLUMN " + quote(c.name()) + " TYPE " + ddlType(c)
                + " USING " + quote(c.name()) + "::" + ddlType(c);
    }

    @Override
    List<SavedView> dependentViews(Connection c, String schema, String table) throws SQLException {
        // views on the table, views on those views, ...: their rewrite rules depend on what they read
        String sql = "WITH RECURSIVE deps(oid, depth) AS ("
                + " SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
                + " WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = ?::regclass AND r.ev_class <> d.refobjid"
                + " UNION"
                + " SELECT r.ev_class, deps.depth + 1 FROM deps JOIN pg_depend d ON d.refobjid = deps.oid"
                + " JOIN pg_rewrite r ON r.oid = d.objid"
                + " WHERE d.classid = 'pg_rewrite'::regclass AND r.ev_class <> d.refobjid AND deps.depth < 32)"
                + " SELECT n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid, true), max(deps.depth)"
                + " FROM deps JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN ('v', 'm')"
                + " GROUP BY n.nspname, c.relname, c.relkind, c.oid ORDER BY 5, 1, 2";
        List<SavedView> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table(schema, table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String def = rs.getString(4).trim();
                    if (def.endsWith(";")) {
                        def = def.substring(0, def.length() - 1);
                    }
                    out.add(new SavedView(rs.getString(1), rs.getString(2), "m".equals(rs.getString(3)), def,
                            rs.getInt(5)));
                }
            }
        }
        return out;
    }

    @Override
    String createView(SavedView v) {
        return "CREATE " + (v.materialized() ? "MATERIALIZED " : "") + "VIEW " + table(v.schema(), v.name()) + " AS "
                + v.definition();
    }

    @Override
    String dropView(SavedView v) {
        return "DROP " + (v.materialized() ? "MATERIALIZED " : "") + "VIEW IF EXISTS " + table(v.schema(), v.name());
    }

    @Override
    List<String> createStage(String schema, String table, List<SqlColumn> columns, List<String> keys) {
        return List.of("CREATE TEMP TABLE " + quote(STAGE) + " (LIKE " + table(schema, table) + ") ON COMMIT DROP",
                "ALTER TABLE " + quote(STAGE) + " ADD COLUMN " + quote(STAGE_DELETED) + " boolean");
    }

    @Override
    List<String> dropStage() {
        return List.of();
    }

    @Override
    long bulkLoad(Connection c, String qualifiedTable, List<String> columns, RowTextStream text) throws SQLException {
        String copy = "COPY " + qualifiedTable + " (" + quoted(columns) + ") FROM STDIN";
        try {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(copy, text, 1 << 16);
        } catch (IOException e) {
            throw new SQLException("COPY into " + qualifiedTable + " failed while reading the rows: " + e.getMessage(), e);
        }
    }

    @Override
    String upsert(String target, List<SqlColumn> columns, List<String> keys, boolean marked) {
        String cols = quoted(columns.stream().map(SqlColumn::name).toList());
        List<SqlColumn> values = columns.stream().filter(c -> !c.key()).toList();
        String sql = "INSERT INTO " + target + " AS t (" + cols + ") SELECT " + cols + " FROM " + quote(STAGE)
                + (marked ? " WHERE NOT coalesce(" + quote(STAGE_DELETED) + ", false)" : "")
                + " ON CONFLICT (" + quoted(keys) + ") DO ";
        if (values.isEmpty()) {
            return sql + "NOTHING";
        }
        String set = values.stream().map(c -> quote(c.name()) + " = EXCLUDED." + quote(c.name()))
                .collect(Collectors.joining(", "));
        // rewrite a row only when something changed: a re-run leaves the table (and its dead tuples) alone
        String oldRow = values.stream().map(c -> "t." + quote(c.name())).collect(Collectors.joining(", "));
        String newRow = values.stream().map(c -> "EXCLUDED." + quote(c.name())).collect(Collectors.joining(", "));
        return sql + "UPDATE SET " + set + " WHERE (" + oldRow + ") IS DISTINCT FROM (" + newRow + ")";
    }

    @Override
    String deleteMarked(String target, List<String> keys) {
        return "DELETE FROM " + target + " t USING " + quote(STAGE) + " s WHERE s." + quote(STAGE_DELETED) + " AND "
                + keyJoin("t", "s", keys);
    }

    @Override
    String deleteMissing(String target, List<String> keys, boolean marked) {
        return "DELETE FROM " + target + " t WHERE NOT EXISTS (SELECT 1 FROM " + quote(STAGE) + " s WHERE "
                + keyJoin("t", "s", keys) + (marked ? " AND NOT coalesce(s." + quote(STAGE_DELETED) + ", false)" : "")
                + ")";
    }

    @Override
    String stateTableDdl(String schema) {
        return "CREATE TABLE IF NOT EXISTS " + table(schema, STATE_TABLE) + " (table_name text PRIMARY KEY, "
                + "source text, position text, schema_version integer, detail text, rows_staged bigint, "
                + "rows_deleted bigint, updated_at timestamptz NOT NULL DEFAULT now())";
    }

    @Override
    String upsertState(String schema) {
        return "INSERT INTO " + table(schema, STATE_TABLE) + " (table_name, source, position, schema_version, detail, "
                + "rows_staged, rows_deleted, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, now()) ON CONFLICT (table_name) "
                + "DO UPDATE SET source = EXCLUDED.source, position = EXCLUDED.position, "
                + "schema_version = EXCLUDED.schema_version, detail = EXCLUDED.detail, "
                + "rows_staged = EXCLUDED.rows_staged, rows_deleted = EXCLUDED.rows_deleted, updated_at = now()";
    }

    @Override
    String savedViewsDdl(String schema) {
        return "CREATE TABLE IF NOT EXISTS " + table(schema, SAVED_VIEWS_TABLE) + " (id bigserial PRIMARY KEY, "
                + "base_table text NOT NULL, view_schema text NOT NULL, view_name text NOT NULL, kind text NOT NULL, "
                + "definition text NOT NULL, depth integer NOT NULL, saved_at timestamptz NOT NULL DEFAULT now(), "
                + "restored_at timestamptz)";
    }
}
