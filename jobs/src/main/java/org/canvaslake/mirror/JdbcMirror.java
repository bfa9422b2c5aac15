package org.canvaslake.mirror;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.common.text.Redaction;
import org.canvaslake.mirror.MirrorResult.TableChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loader of lake rows into a SQL database (PostgreSQL, MariaDB/MySQL), used by the DAP sync and by the
 * mirror of any lake table. Per load:
 *
 * <ol>
 *   <li>The table is created from the rows' Spark schema (types, NOT NULL keys, primary key) or evolved: new columns
 *       are added with {@code ALTER TABLE ADD COLUMN} (views keep working); a changed column type or key is applied
 *       with the views that depend on the table saved to {@code canvaslake_saved_views} first (committed), dropped,
 *       and restored afterwards, so a failed restore loses no definition.</li>
 *   <li>In one transaction: the rows stream into a session staging table by the database's bulk path (COPY /
 *       LOAD DATA LOCAL), then {@code INSERT ... ON CONFLICT DO UPDATE} / {@code ON DUPLICATE KEY UPDATE}, delete of
 *       the rows marked deleted, for {@link LoadMode#REPLACE} delete of the rows absent from the load, and the
 *       table's row in {@code canvaslake_sync_state}. A REPLACE into an empty table skips the staging table.</li>
 * </ol>
 *
 * The rows' keys must be unique within a load. Each call opens its own connection, so one mirror serves parallel
 * tables. Credentials are never logged; the URL is redacted in messages.
 */
public final class JdbcMirror {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcMirror.class);

    private final String url;
    private final Secret user;
    private final Secret password;
    private final SqlDialect dialect;

    private JdbcMirror(String url, Secret user, Secret password) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.dialect = SqlDialect.forUrl(url);
    }

    /** A mirror into the database at a JDBC URL (PostgreSQL, MariaDB or MySQL); user and password may be null. */
    public static JdbcMirror at(String jdbcUrl, Secret user, Secret password) {
        return new JdbcMirror(jdbcUrl, user, password);
    }

    public String databaseName() {
        return dialect.name();
    }

    /** The URL with any credential in it masked, for logs and reports. */
    public String describe() {
        return masked(url);
    }

    /** A JDBC URL with any credential in it masked, for logs and reports. */
    public static String masked(String jdbcUrl) {
        return Redaction.redact(jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1" + Redaction.MASK));
    }

    Connection open() throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user.reveal());
        }
        if (password != null) {
            p.setProperty("password", password.reveal());
        }
        if (dialect instanceof MariaDbDialect) {
            if (!url.toLowerCase().contains("allowlocalinfile=")) {
                p.setProperty("allowLocalInfile", "true");
            }
            if (url.toLowerCase().startsWith("jdbc:mysql:")) {
                p.setProperty("permitMysqlScheme", "true");
            }
        }
        Connection c = DriverManager.getConnection(url, p);
        if (dialect instanceof MariaDbDialect) {
            try (Statement s = c.createStatement()) {
                s.execute("SET time_zone = '+00:00'");
            }
        }
        return c;
    }

    // ------------------------------------------------------------------ public API

    /**
     * Makes the table fit the rows' columns (create, add columns, change types, recreate on a new key) and says what
     * changed; {@link TableChange#needsFullLoad()} means the table now needs every row, not a delta.
     */
    public TableChange prepare(MirrorTarget target, StructType schema) {
        List<SqlColumn> columns = columns(schema, target);
        try (Connection c = open()) {
            return prepare(c, target, columns);
        } catch (SQLException e) {
            throw failure("Preparing", target, e);
        }
    }

    /** Where the table was last loaded from (its row in canvaslake_sync_state), if anywhere. */
    public Optional<SyncPosition> position(MirrorTarget target) {
        try (Connection c = open()) {
            if (dialect.columns(c, target.schema(), SqlDialect.STATE_TABLE).isEmpty()) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT source, position, schema_version, detail FROM "
                    + dialect.table(target.schema(), SqlDialect.STATE_TABLE) + " WHERE table_name = ?")) {
                ps.setString(1, target.table());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    int v = rs.getInt(3);
                    return Optional.of(new SyncPosition(rs.getString(1), rs.getString(2), rs.wasNull() ? null : v,
                            rs.getString(4)));
                }
            }
        } catch (SQLException e) {
            throw failure("Reading the sync state of", target, e);
        }
    }

    /** Prepares the table and loads a Dataset's rows (collected to the driver partition by partition). */
    public MirrorResult load(Dataset<Row> rows, MirrorTarget target, LoadMode mode, SyncPosition position) {
        Dataset<Row> flat = flatten(rows);
        return load(flat.schema(), flat.toLocalIterator(), target, mode, position);
    }

    /** Prepares the table and loads rows of atomic types (nested types: use the Dataset form). */
    public MirrorResult load(StructType schema, Iterator<Row> rows, MirrorTarget target, LoadMode mode,
                             SyncPosition position) {
        long start = System.nanoTime();
        List<SqlColumn> columns = columns(schema, target);
        int[] fields = columns.stream().mapToInt(c -> schema.fieldIndex(c.name())).toArray();
        Integer marker = target.deleteMarker().map(schema::fieldIndex).orElse(null);
        String qualified = dialect.table(target.schema(), target.table());
        try (Connection c = open()) {
            TableChange change = prepare(c, target, columns);
            c.setAutoCommit(false);
            try {
                RowTextStream text = new RowTextStream(rows, fields, columns, marker, dialect);
                List<String> names = new ArrayList<>(columns.stream().map(SqlColumn::name).toList());
                long upserted;
                long deleted = 0;
                if (mode == LoadMode.REPLACE && marker == null && isEmpty(c, qualified)) {
                    upserted = dialect.bulkLoad(c, qualified, names, text);
                } else {
                    for (String sql : dialect.createStage(target.schema(), target.table(), columns, target.keys())) {
                        execute(c, sql);
                    }
                    if (marker != null) {
                        names.add(SqlDialect.STAGE_DELETED);
                    }
                    dialect.bulkLoad(c, dialect.quote(SqlDialect.STAGE), names, text);
                    upserted = execute(c, dialect.upsert(qualified, columns, target.keys(), marker != null));
                    if (marker != null) {
                        deleted += execute(c, dialect.deleteMarked(qualified, target.keys()));
                    }
                    if (mode == LoadMode.REPLACE) {
                        deleted += execute(c, dialect.deleteMissing(qualified, target.keys(), marker != null));
                    }
                }
                long staged = text.rowsWritten();
                writeState(c, target, position, staged, deleted);
                c.commit();
                for (String sql : dialect.dropStage()) {
                    execute(c, sql);
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                LOG.info("{} {}: {} rows loaded ({}), {} upserted, {} deleted in {} ms", dialect.name(),
                        target.name(), staged, mode.name().toLowerCase(), upserted, deleted, millis);
                return new MirrorResult(change, staged, upserted, deleted, millis);
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("Loading", target, e);
        }
    }

    // ------------------------------------------------------------------ table definition

    private TableChange prepare(Connection c, MirrorTarget target, List<SqlColumn> columns) throws SQLException {
        // parallel tables share the schema and its bookkeeping tables: define them one at a time
        synchronized (this) {
            return prepareAlone(c, target, columns);
        }
    }

    private TableChange prepareAlone(Connection c, MirrorTarget target, List<SqlColumn> columns) throws SQLException {
        c.setAutoCommit(true);
        String schema = target.schema();
        String table = target.table();
        createIfAbsent(c, () -> dialect.ensureSchema(c, schema));
        createIfAbsent(c, () -> execute(c, dialect.stateTableDdl(schema)));
        createIfAbsent(c, () -> execute(c, dialect.savedViewsDdl(schema)));
        Map<String, String> existing = dialect.columns(c, schema, table);
        if (existing.isEmpty()) {
            execute(c, dialect.createTable(schema, table, columns, target.keys()));
            LOG.info("{} {}: created with {} columns, key {}", dialect.name(), target.name(), columns.size(),
                    target.keys());
            return new TableChange(true, false, columns.stream().map(SqlColumn::name).toList(), List.of(), List.of());
        }
        List<String> added = new ArrayList<>();
        for (SqlColumn col : columns) {
            if (!existing.containsKey(col.name())) {
                // a new column leaves dependent views working in both databases: no need to touch them
                execute(c, dialect.addColumn(schema, table, col));
                added.add(col.name());
            }
        }
        List<SqlColumn> changed = columns.stream()
                .filter(col -> existing.containsKey(col.name())
                        && !dialect.hasType(col, existing.get(col.name())))
                .toList();
        boolean newKey = !dialect.primaryKey(c, schema, table).equals(target.keys());
        List<String> restored = List.of();
        if (!changed.isEmpty() || newKey) {
            List<String> ddl = new ArrayList<>();
            if (newKey) {
                ddl.add("DROP TABLE " + dialect.table(schema, table));
                ddl.add(dialect.createTable(schema, table, columns, target.keys()));
            } else {
                changed.forEach(col -> ddl.add(dialect.alterColumnType(schema, table, col)));
            }
            restored = changeWithViews(c, target, ddl);
        }
        if (!added.isEmpty() || !changed.isEmpty() || newKey) {
            LOG.info("{} {}: added columns {}, changed types of {}{}; views restored: {}", dialect.name(),
                    target.name(), added, changed.stream().map(SqlColumn::name).toList(),
                    newKey ? ", recreated for key " + target.keys() : "", restored);
        }
        return new TableChange(false, newKey, added, changed.stream().map(SqlColumn::name).toList(), restored);
    }

    /**
     * Runs schema-changing DDL that dependent views would block: saves the views' definitions (committed on their
     * own), drops them deepest first, runs the DDL, recreates them shallowest first. On PostgreSQL all but the save
     * is one transaction; on MariaDB (DDL commits at once) a failed restore leaves the definitions in
     * canvaslake_saved_views with restored_at NULL, and the error says so.
     */
    private List<String> changeWithViews(Connection c, MirrorTarget target, List<String> ddl) throws SQLException {
        List<SavedView> views = dialect.dependentViews(c, target.schema(), target.table());
        String saved = dialect.table(target.schema(), SqlDialect.SAVED_VIEWS_TABLE);
        List<Long> ids = new ArrayList<>();
        for (SavedView v : views) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + saved + " (base_table, view_schema, "
                    + "view_name, kind, definition, depth, saved_at) VALUES (?, ?, ?, ?, ?, ?, " + dialect.now() + ")",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, target.name());
                ps.setString(2, v.schema());
                ps.setString(3, v.name());
                ps.setString(4, v.materialized() ? "materialized view" : "view");
                ps.setString(5, v.definition());
                ps.setInt(6, v.depth());
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (keys.next()) {
                        ids.add(keys.getLong(1));
                    }
                }
            }
        }
        if (!views.isEmpty()) {
            LOG.info("{} {}: saved {} dependent view definition(s) to {} before changing the table", dialect.name(),
                    target.name(), views.size(), saved);
        }
        boolean tx = dialect.transactionalDdl();
        c.setAutoCommit(!tx);
        List<String> restored = new ArrayList<>();
        try {
            for (int i = views.size() - 1; i >= 0; i--) {
                execute(c, dialect.dropView(views.get(i)));
            }
            for (String sql : ddl) {
                execute(c, sql);
            }
            for (SavedView v : views) {
                try {
                    execute(c, dialect.createView(v));
                } catch (SQLException e) {
                    throw new SQLException("Could not restore view " + v.qualifiedName() + " after changing "
                            + target.name() + ": " + e.getMessage() + ". Its definition is kept in " + saved
                            + " (restored_at is NULL)" + (tx ? "; the change was rolled back" : ""), e);
                }
                restored.add(v.qualifiedName());
            }
            if (!ids.isEmpty()) {
                execute(c, "UPDATE " + saved + " SET restored_at = " + dialect.now() + " WHERE id IN ("
                        + String.join(", ", ids.stream().map(String::valueOf).toList()) + ")");
            }
            if (tx) {
                c.commit();
            }
        } catch (SQLException | RuntimeException e) {
            if (tx) {
                rollback(c);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
        return restored;
    }

    // ------------------------------------------------------------------ helpers

    private interface Ddl {
        void run() throws SQLException;
    }

    /**
     * Runs a CREATE ... IF NOT EXISTS; another process creating the same object at the same moment makes
     * PostgreSQL raise a unique violation instead of skipping it, which means the object now exists.
     */
    private static void createIfAbsent(Connection c, Ddl ddl) throws SQLException {
        try {
            ddl.run();
        } catch (SQLException e) {
            String state = String.valueOf(e.getSQLState());
            if (!(state.equals("23505") || state.equals("42P06") || state.equals("42P07"))) {
                throw e;
            }
            LOG.debug("Created concurrently elsewhere: {}", e.getMessage());
        }
    }

    private List<SqlColumn> columns(StructType schema, MirrorTarget target) {
        for (String k : target.keys()) {
            if (!List.of(schema.fieldNames()).contains(k)) {
                throw new IllegalArgumentException("Mirror " + target.name() + ": key column '" + k
                        + "' is not among the row's columns " + List.of(schema.fieldNames()));
            }
        }
        List<SqlColumn> out = new ArrayList<>();
        for (StructField f : schema.fields()) {
            if (target.deleteMarker().map(f.name()::equals).orElse(false)) {
                continue;
            }
            out.add(SqlColumn.of(f, target.keys().contains(f.name())));
        }
        return out;
    }

    /** Nested values (structs, maps, arrays) become JSON text, marked so the column gets a JSON type. */
    static Dataset<Row> flatten(Dataset<Row> rows) {
        List<Column> cols = new ArrayList<>();
        boolean any = false;
        for (StructField f : rows.schema().fields()) {
            if (f.dataType() instanceof StructType || f.dataType() instanceof MapType
                    || f.dataType() instanceof ArrayType) {
                cols.add(to_json(col(f.name())).as(f.name(),
                        new MetadataBuilder().withMetadata(f.metadata()).putBoolean(SqlColumn.JSON_METADATA, true)
                                .build()));
                any = true;
            } else {
                cols.add(col(f.name()));
            }
        }
        return any ? rows.select(cols.toArray(Column[]::new)) : rows;
    }

    private void writeState(Connection c, MirrorTarget target, SyncPosition position, long staged, long deleted)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.upsertState(target.schema()))) {
            ps.setString(1, target.table());
            ps.setString(2, position == null ? null : position.source());
            ps.setString(3, position == null ? null : position.position());
            if (position == null || position.schemaVersion() == null) {
                ps.setNull(4, java.sql.Types.INTEGER);
            } else {
                ps.setInt(4, position.schemaVersion());
            }
            ps.setString(5, position == null ? null : position.detail());
            ps.setLong(6, staged);
            ps.setLong(7, deleted);
            ps.executeUpdate();
        }
    }

    private static boolean isEmpty(Connection c, String qualified) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM " + qualified + " LIMIT 1")) {
            return !rs.next();
        }
    }

    private static long execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeLargeUpdate(sql);
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.warn("Rollback failed: {}", e.getMessage());
        }
    }

    private MirrorException failure(String action, MirrorTarget target, SQLException e) {
        return new MirrorException(action + " " + target.name() + " in " + dialect.name() + " at " + describe()
                + " failed: " + Redaction.redact(e.getMessage()) + " (SQL state " + e.getSQLState() + ")", e);
    }
}
