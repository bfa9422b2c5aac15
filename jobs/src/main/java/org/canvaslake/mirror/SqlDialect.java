package org.canvaslake.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.spark.sql.types.DecimalType;

/**
 * What differs between the SQL databases the mirror loads: quoting, types, bulk loading, upsert and delete syntax,
 * and how views that depend on a table are found. Everything else (the order of steps, transactions, the state
 * table) lives once in {@link JdbcMirror}.
 */
abstract class SqlDialect {

    static final String STATE_TABLE = "canvaslake_sync_state";
    static final String SAVED_VIEWS_TABLE = "canvaslake_saved_views";
    static final String STAGE = "cl_stage";
    static final String STAGE_DELETED = "__cl_deleted";

    static SqlDialect forUrl(String jdbcUrl) {
        String u = jdbcUrl.toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:postgresql:")) {
            return new PostgresDialect();
        }
        if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) {
            return new MariaDbDialect();
        }
        throw new IllegalArgumentException("The SQL mirror supports PostgreSQL (jdbc:postgresql://host/db) and "
                + "MariaDB/MySQL (jdbc:mariadb://host/db or jdbc:mysql://host/db), got a URL starting '"
                + jdbcUrl.substring(0, Math.min(jdbcUrl.length(), 16)) + "'");
    }

    abstract String name();

    abstract String quote(String identifier);

    String table(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }

    /** Each column family's type in CREATE TABLE / ADD COLUMN (DECIMAL gets its precision and scale added). */
    abstract Map<SqlColumn.Family, String> ddlTypes();

    /** Each column family's type as information_schema.columns.data_type reports it, to notice a changed type. */
    abstract Map<SqlColumn.Family, String> reportedTypes();

    String ddlType(SqlColumn c) {
        String type = ddlTypes().get(c.family());
        return c.sparkType() instanceof DecimalType d ? type + "(" + d.precision() + "," + d.scale() + ")" : type;
    }

    String reportedType(SqlColumn c) {
        return reportedTypes().get(c.family());
    }

    /** Whether a column the database reports as {@code reported} has the type the loader would give {@code c}. */
    boolean hasType(SqlColumn c, String reported) {
        return reported.equals(reportedType(c));
    }

    /** Whether DDL is transactional (PostgreSQL), so a failed schema change leaves nothing half done. */
    abstract boolean transactionalDdl();

    abstract void ensureSchema(Connection c, String schema) throws SQLException;

    /** The current UTC time in SQL. */
    abstract String now();

    abstract String booleanText(boolean b);

    abstract String timestampText(Instant instant);

    /** Text for a double the database cannot store (NaN, infinities), or null to store NULL. */
    abstract String nonFiniteText(double d);

    abstract List<String> primaryKey(Connection c, String schema, String table) throws SQLException;

    abstract String alterColumnType(String schema, String table, SqlColumn c);

    abstract List<SavedView> dependentViews(Connection c, String schema, String table) throws SQLException;

    abstract String createView(SavedView v);

    abstract String dropView(SavedView v);

    /** A session-private staging table with the columns, key, and the delete flag. */
    abstract List<String> createStage(String schema, String table, List<SqlColumn> columns, List<String> keys);

    abstract List<String> dropStage();

    /** Streams tab-separated text rows ({@code \N} for NULL, backslash escapes) into the table's columns. */
    abstract long bulkLoad(Connection c, String qualifiedTable, List<String> columns, RowTextStream text)
            throws SQLException;

    abstract String upsert(String target, List<SqlColumn> columns, List<String> keys, boolean marked);

    abstract String deleteMarked(String target, List<String> keys);

    abstract String deleteMissing(String target, List<String> keys, boolean marked);

    abstract String stateTableDdl(String schema);

    /** Parameters: table_name, source, position, schema_version, detail, rows_staged, rows_deleted. */
    abstract String upsertState(String schema);

    abstract String savedViewsDdl(String schema);

    /** Columns of an existing table, name to reported type (lower case); empty when the table does not exist. */
    Map<String, String> columns(Connection c, String schema, String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String[] r : query(c, "SELECT column_name, data_type FROM information_schema.columns "
                + "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", schema, table)) {
            out.put(r[0], r[1].toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** The rows of a query with string parameters, every column as text. */
    static List<String[]> query(Connection c, String sql, String... params) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    String createTable(String schema, String table, List<SqlColumn> columns, List<String> keys) {
        List<String> defs = new ArrayList<>();
        for (SqlColumn c : columns) {
            defs.add(quote(c.name()) + " " + ddlType(c) + (c.key() ? " NOT NULL" : ""));
        }
        defs.add("PRIMARY KEY (" + quoted(keys) + ")");
        return "CREATE TABLE " + table(schema, table) + " (" + String.join(", ", defs) + ")";
    }

    String addColumn(String schema, String table, SqlColumn c) {
        return "ALTER TABLE " + table(schema, table) + " ADD COLUMN " + quote(c.name()) + " " + ddlType(c);
    }

    String quoted(List<String> names) {
        return names.stream().map(this::quote).collect(Collectors.joining(", "));
    }

    String keyJoin(String left, String right, List<String> keys) {
        return keys.stream().map(k -> left + "." + quote(k) + " = " + right + "." + quote(k))
                .collect(Collectors.joining(" AND "));
    }
}
