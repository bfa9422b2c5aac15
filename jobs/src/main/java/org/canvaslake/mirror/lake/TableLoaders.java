package org.canvaslake.mirror.lake;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.canvaslake.common.secrets.Secret;

/**
 * Makes the {@link TableLoader} for a JDBC URL. The loader itself is the Canvas Data 2 mirror's
 * {@code org.canvaslake.mirror.JdbcMirror} ("one loader, not two").
 */
public final class TableLoaders {

    /** Connection settings of the target database. */
    public record Target(String jdbcUrl, String user, Secret password) {
        /** A connection of its own to the target (the mirror's state and its lock each use one). */
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password == null ? null : password.reveal());
        }

        @Override
        public String toString() {
            return "Target[" + jdbcUrl + ", user " + user + ", password ****]";
        }
    }

    /** Creates a loader for the target; implementations must not print the password. */
    @FunctionalInterface
    public interface Factory {
        TableLoader open(Target target);
    }

    private TableLoaders() {
    }

    /** The factory 'canvaslake mirror' uses: the Canvas Data 2 mirror's loader, {@link JdbcTableLoader}. */
    public static Factory jdbc() {
        return JdbcTableLoader::new;
    }
}
