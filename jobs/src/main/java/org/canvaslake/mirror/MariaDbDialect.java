package org.canvaslake.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.canvaslake.mirror.SqlColumn.Family;

/**
 * MariaDB and MySQL (a schema is a database): {@code LOAD DATA LOCAL INFILE} streamed from memory for bulk loads
 * (the connection is opened with {@code allowLocalInfile}), {@code INSERT ... ON DUPLICATE KEY UPDATE}, deletes by
 * join. MariaDB keeps no view dependencies, so views are found by the table reference in their stored definition;
 * its DDL commits at once, so view definitions are saved before anything is dropped.
 */
final class MariaDbDialect extends SqlDialect {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MariaDbDialect.class);

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS")
            .withZone(ZoneOffset.UTC);

    @Override
    String name() {
        return "MariaDB";
    }

    @Override
    String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    // a primary key cannot be a TEXT column; 255 characters of utf8mb4 fit InnoDB's index limit
    private static final Map<Family, String> DDL = Map.ofEntries(Map.entry(Family.LONG, "BIGINT"),
            Map.entry(Family.INT, "INT"), Map.entry(Family.SMALL, "SMALLINT"), Map.entry(Family.DOUBLE, "DOUBLE"),
            Map.entry(Family.FLOAT, "FLOAT"), Map.entry(Family.BOOLEAN, "TINYINT(1)"),
            Map.entry(Family.TIMESTAMP, "DATETIME(6)"), Map.entry(Family.TIMESTAMP_NTZ, "DATETIME(6)"),
            Map.entry(Family.DATE, "DATE"), Map.entry(Family.DECIMAL, "DECIMAL"), Map.entry(Family.TEXT, "LONGTEXT"),
            Map.entry(Family.KEY_TEXT, "VARCHAR(255)"), Map.entry(Family.JSON, "JSON"));
    // MariaDB reports JSON as longtext (it is an alias with a json_valid check)
    private static final Map<Family, String> REPORTED = Map.ofEntries(Map.entry(Family.LONG, "bigint"),
            Map.entry(Family.INT, "int"), Map.entry(Family.SMALL, "smallint"), Map.entry(Family.DOUBLE, "double"),
            Map.entry(Family.FLOAT, "float"), Map.entry(Family.BOOLEAN, "tinyint"),
            Map.entry(Family.TIMESTAMP, "datetime"), Map.entry(Family.TIMESTAMP_NTZ, "datetime"),
            Map.entry(Family.DATE, "date"), Map.entry(Family.DECIMAL, "decimal"), Map.entry(Family.TEXT, "longtext"),
            Map.entry(Family.KEY_TEXT, "varchar"), Map.entry(Family.JSON, "longtext"));

    @Override
    Map<Family, String> ddlTypes() {
        return DDL;
    }

    @Override
    Map<Family, String> reportedTypes() {
        return REPORTED;
    }

    /** MySQL, unlike MariaDB, has a JSON type of its own and reports it as {@code json}. */
    @Override
    boolean hasType(SqlColumn c, String reported) {
        return super.hasType(c, reported) || (c.family() == Family.JSON && reported.equals("json"));
    }

    @Override
    boolean transactionalDdl() {
        return false;
    }

    @Override
    void ensureSchema(Connection c, String schema) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + quote(schema) + " CHARACTER SET utf8mb4");
        }
    }

    @Override
    String now() {
        return "UTC_TIMESTAMP(6)";
    }

    @Override
    String booleanText(boolean b) {
        return b ? "1" : "0";
    }

    @Override
    String timestampText(Instant instant) {
        return TS.format(instant);
    }

    @Override
    String nonFiniteText(double d) {
        return null;
    }

    @Override
    List<String> primaryKey(Connection c, String schema, String table) throws SQLException {
        return query(c, "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = ? "
                + "AND table_name = ? AND constraint_name = 'PRIMARY' ORDER BY ordinal_position", schema, table)
                .stream().map(r -> r[0]).toList();
    }

    @Override
    String alterColumnType(String schema, String table, SqlColumn c) {
        return "ALTER TABLE " + table(schema, table) + " MODIFY COLUMN " + quote(c.name()) + " " + ddlType(c)
                + (c.key() ? " NOT NULL" : "");
    }

    @Override
    List<SavedView> dependentViews(Connection c, String schema, String table) throws SQLException {
        Map<String, SavedView> found = new LinkedHashMap<>();
        Deque<String[]> todo = new ArrayDeque<>();
        todo.add(new String[] {schema, table, "0"});
        while (!todo.isEmpty()) {
            String[] next = todo.poll();
            int depth = Integer.parseInt(next[2]) + 1;
            if (depth > 32) {
                break;
            }
            // MariaDB stores view definitions with fully qualified, quoted names: `db`.`table`
            String reference = quote(next[0]) + "." + quote(next[1]);
            try (PreparedStatement ps = c.prepareStatement("SELECT table_schema, table_name, view_definition "
                    + "FROM information_schema.views WHERE instr(view_definition, ?) > 0")) {
                ps.setString(1, reference);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        SavedView v = new SavedView(rs.getString(1), rs.getString(2), false, rs.getString(3), depth);
                        SavedView seen = found.get(v.qualifiedName());
                        if (seen == null || seen.depth() < depth) {
                            found.put(v.qualifiedName(), v);
                            todo.add(new String[] {v.schema(), v.name(), String.valueOf(depth)});
                        }
                    }
                }
            }
        }
        return found.values().stream().sorted((a, b) -> Integer.compare(a.depth(), b.depth())).toList();
    }

    @Override
    String createView(SavedView v) {
        return "CREATE OR REPLACE VIEW " + table(v.schema(), v.name()) + " AS " + v.definition();
    }

    @Override
    String dropView(SavedView v) {
        return "DROP VIEW IF EXISTS " + table(v.schema(), v.name());
    }

    @Override
    List<String> createStage(String schema, String table, List<SqlColumn> columns, List<String> keys) {
        List<String> defs = new ArrayList<>();
        for (SqlColumn c : columns) {
            defs.add(quote(c.name()) + " " + ddlType(c) + (c.key() ? " NOT NULL" : ""));
        }
        defs.add(quote(STAGE_DELETED) + " TINYINT(1)");
        defs.add("PRIMARY KEY (" + quoted(keys) + ")");
        // CREATE TEMPORARY TABLE does not end the transaction (an ALTER of it would): define it whole
        return List.of("DROP TEMPORARY TABLE IF EXISTS " + quote(STAGE),
                "CREATE TEMPORARY TABLE " + quote(STAGE) + " (" + String.join(", ", defs) + ")");
    }

    @Override
    List<String> dropStage() {
        return List.of("DROP TEMPORARY TABLE IF EXISTS " + quote(STAGE));
    }

    @Override
    long bulkLoad(Connection c, String qualifiedTable, List<String> columns, RowTextStream text) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.unwrap(org.mariadb.jdbc.Statement.class).setLocalInfileInputStream(text);
            return s.executeUpdate("LOAD DATA LOCAL INFILE 'canvaslake-rows.tsv' INTO TABLE " + qualifiedTable
                    + " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ("
                    + quoted(columns) + ")");
        } catch (SQLException e) {
            if (text.started() || !String.valueOf(e.getMessage()).toLowerCase().contains("local")) {
                throw e;
            }
            // the server (local_infile=OFF) or the URL (allowLocalInfile=false) refuses LOAD DATA LOCAL
            LOG.warn("MariaDB refused LOAD DATA LOCAL INFILE ({}); loading {} with multi-row INSERTs instead",
                    e.getMessage(), qualifiedTable);
            return batchInsert(c, qualifiedTable, columns, text);
        }
    }

    private long batchInsert(Connection c, String qualifiedTable, List<String> columns, RowTextStream text)
            throws SQLException {
        int perStatement = Math.max(1, Math.min(1000, 60_000 / columns.size()));
        String row = "(" + String.join(", ", java.util.Collections.nCopies(columns.size(), "?")) + ")";
        String head = "INSERT INTO " + qualifiedTable + " (" + quoted(columns) + ") VALUES ";
        long total = 0;
        List<String[]> chunk = new ArrayList<>();
        for (String[] values = text.nextValues(); values != null || !chunk.isEmpty(); values = text.nextValues()) {
            if (values != null) {
                chunk.add(values);
            }
            if (chunk.size() == perStatement || (values == null && !chunk.isEmpty())) {
                try (PreparedStatement ps = c.prepareStatement(head
                        + String.join(", ", java.util.Collections.nCopies(chunk.size(), row)))) {
                    int p = 1;
                    for (String[] r : chunk) {
                        for (String v : r) {
                            ps.setString(p++, v);
                        }
                    }
                    total += ps.executeUpdate();
                }
                chunk.clear();
            }
            if (values == null) {
                break;
            }
        }
        return total;
    }

    @Override
    String upsert(String target, List<SqlColumn> columns, List<String> keys, boolean marked) {
        String cols = quoted(columns.stream().map(SqlColumn::name).toList());
        List<SqlColumn> values = columns.stream().filter(c -> !c.key()).toList();
        String set = (values.isEmpty() ? columns.stream().filter(SqlColumn::key).toList() : values).stream()
                .map(c -> quote(c.name()) + " = VALUES(" + quote(c.name()) + ")").collect(Collectors.joining(", "));
        return "INSERT INTO " + target + " (" + cols + ") SELECT " + cols + " FROM " + quote(STAGE)
                + (marked ? " WHERE NOT coalesce(" + quote(STAGE_DELETED) + ", 0)" : "")
                + " ON DUPLICATE KEY UPDATE " + set;
    }

    @Override
    String deleteMarked(String target, List<String> keys) {
        return "DELETE t FROM " + target + " t JOIN " + quote(STAGE) + " s ON " + keyJoin("t", "s", keys)
                + " WHERE s." + quote(STAGE_DELETED) + " = 1";
    }

    @Override
    String deleteMissing(String target, List<String> keys, boolean marked) {
        return "DELETE t FROM " + target + " t LEFT JOIN " + quote(STAGE) + " s ON " + keyJoin("t", "s", keys)
                + (marked ? " AND NOT coalesce(s." + quote(STAGE_DELETED) + ", 0)" : "")
                + " WHERE s." + quote(keys.get(0)) + " IS NULL";
    }

    @Override
    String stateTableDdl(String schema) {
        return "CREATE TABLE IF NOT EXISTS " + table(schema, STATE_TABLE) + " (table_name VARCHAR(255) PRIMARY KEY, "
                + "source LONGTEXT, position LONGTEXT, schema_version INT, detail LONGTEXT, rows_staged BIGINT, "
                + "rows_deleted BIGINT, updated_at DATETIME(6) NOT NULL)";
    }

    @Override
    String upsertState(String schema) {
        return "INSERT INTO " + table(schema, STATE_TABLE) + " (table_name, source, position, schema_version, detail, "
                + "rows_staged, rows_deleted, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6)) "
                + "ON DUPLICATE KEY UPDATE source = VALUES(source), position = VALUES(position), "
                + "schema_version = VALUES(schema_version), detail = VALUES(detail), "
                + "rows_staged = VALUES(rows_staged), rows_deleted = VALUES(rows_deleted), updated_at = UTC_TIMESTAMP(6)";
    }

    @Override
    String savedViewsDdl(String schema) {
        return "CREATE TABLE IF NOT EXISTS " + table(schema, SAVED_VIEWS_TABLE) + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                + "base_table VARCHAR(255) NOT NULL, view_schema VARCHAR(255) NOT NULL, view_name VARCHAR(255) NOT NULL, "
                + "kind VARCHAR(32) NOT NULL, definition LONGTEXT NOT NULL, depth INT NOT NULL, "
                + "saved_at DATETIME(6) NOT NULL, restored_at DATETIME(6))";
    }
}
