package org.canvaslake.mirror.lake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.OptionalLong;

import org.canvaslake.common.lake.Lake;
import org.canvaslake.mirror.JdbcMirror;

/**
 * {@link MirrorState} in a small table of the target database ({@code canvaslake_mirror_state} in its default
 * schema), one row per target table. Kept beside the mirrored rows on purpose: a restored or re-created database loses the rows and the
 * state together, and the next run then reloads in full instead of skipping what it believes is there.
 * Plain SQL that PostgreSQL and MariaDB both accept.
 */
public final class JdbcMirrorState implements MirrorState {

    public static final String DEFAULT_TABLE = "canvaslake_mirror_state";

    private final TableLoaders.Target target;
    private final String table;

    public JdbcMirrorState(TableLoaders.Target target, String table) {
        if (!table.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("Mirror state table name must be letters, digits and _, got '"
                    + table + "'");
        }
        this.target = target;
        this.table = table;
    }

    @Override
    public OptionalLong version(String sourcePath, String targetTable) {
        try (Connection c = target.connect()) {
            create(c);
            // one row per target table; its path compared here, in its recorded form, so that a row an older
            // release wrote with the path as given (s3a://...) still counts for the same lake
            try (PreparedStatement s = c.prepareStatement("SELECT delta_version, source_path FROM " + table
                    + " WHERE target_table = ?")) {
                s.setString(1, targetTable);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() && Lake.recordedForm(r.getString(2)).equals(Lake.recordedForm(sourcePath))
                            ? OptionalLong.of(r.getLong(1)) : OptionalLong.empty();
                }
            }
        } catch (SQLException e) {
            throw failure("read the mirror state of " + targetTable, e);
        }
    }

    @Override
    public void save(String lakeTable, String sourcePath, String targetTable, long version, String runId) {
        try (Connection c = target.connect()) {
            create(c);
            c.setAutoCommit(false);
            try (PreparedStatement d = c.prepareStatement("DELETE FROM " + table + " WHERE target_table = ?");
                 PreparedStatement i = c.prepareStatement("INSERT INTO " + table + " (target_table, lake_table, "
                         + "source_path, delta_version, mirrored_at, run_id) VALUES (?, ?, ?, ?, ?, ?)")) {
                d.setString(1, targetTable);
                d.executeUpdate();
                i.setString(1, targetTable);
                i.setString(2, lakeTable);
                i.setString(3, Lake.recordedForm(sourcePath));
                i.setLong(4, version);
                i.setString(5, Instant.now().toString());
                i.setString(6, runId);
                i.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("save the mirror state of " + targetTable, e);
        }
    }

    private void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (target_table VARCHAR(400) NOT NULL PRIMARY KEY, "
                    + "lake_table VARCHAR(200) NOT NULL, source_path VARCHAR(2000) NOT NULL, "
                    + "delta_version BIGINT NOT NULL, mirrored_at VARCHAR(40) NOT NULL, run_id VARCHAR(100))");
        }
    }

    private IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("Cannot " + what + " in table " + table + " of "
                + JdbcMirror.masked(target.jdbcUrl()) + ": " + e.getMessage() + " (check --jdbc-url, --jdbc-user and"
                + " the password, and that the user may create tables there)", e);
    }
}
