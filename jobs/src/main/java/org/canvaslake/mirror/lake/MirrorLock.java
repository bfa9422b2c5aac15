package org.canvaslake.mirror.lake;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mirror run per target at a time: a lock in the target database itself, which is where a mirror run writes and
 * keeps its state (a lease on the lake would keep apart mirrors into different databases and miss two lakes mirrored
 * into one). It is held by a connection of its own for the whole run: a session advisory lock on PostgreSQL
 * ({@code pg_try_advisory_lock}), {@code GET_LOCK} without waiting on MariaDB/MySQL. The database lets go of it when
 * that connection ends, however the run ends (the server closes a killed process's connection), so it never expires
 * and needs no renewal. It is keyed by the state table: runs that keep their state in different tables keep apart
 * targets of their own.
 */
final class MirrorLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorLock.class);
    /** The first of PostgreSQL's two advisory-lock keys: ours ("CLMR"), so that other applications' keys differ. */
    static final int PG_CLASS = 0x434c4d52;

    /** Another run holds the lock; the message names it as far as the database can tell. */
    static final class HeldException extends RuntimeException {
        HeldException(String message) {
            super(message);
        }
    }

    private final Connection connection;
    private final String describe;

    private MirrorLock(Connection connection, String describe) {
        this.connection = connection;
        this.describe = describe;
    }

    /** Takes the lock for the mirror whose state is in {@code stateTable}, or throws {@link HeldException}. */
    static MirrorLock take(TableLoaders.Target target, String stateTable, String runId) throws SQLException {
        Connection c = target.connect();
        try {
            MirrorLock lock = target.jdbcUrl().startsWith("jdbc:postgresql:") ? postgres(c, stateTable, runId)
                    : mariadb(c, stateTable);
            LOG.info("mirror: holding {}", lock.describe);
            return lock;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static MirrorLock postgres(Connection c, String stateTable, String runId) throws SQLException {
        int key = key(stateTable);
        // the holder's name, for a run refused the lock: pg_stat_activity shows it beside the lock
        try (PreparedStatement s = c.prepareStatement("SELECT set_config('application_name', ?, false)")) {
            s.setString(1, "canvaslake mirror run " + runId);
            s.execute();
        }
        String what = "the advisory lock (" + PG_CLASS + ", " + key + ") of " + stateTable + " in "
                + one(c, "SELECT current_database()");
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            s.setInt(1, PG_CLASS);
            s.setInt(2, key);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                if (r.getBoolean(1)) {
                    return new MirrorLock(c, what);
                }
            }
        }
        String holder;
        try (PreparedStatement s = c.prepareStatement("SELECT a.application_name, a.pid, a.client_addr, "
                + "a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = "
                + "'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = "
                + "current_database()) AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.objsubid = 2")) {
            s.setLong(1, PG_CLASS);
            s.setLong(2, key);
            try (ResultSet r = s.executeQuery()) {
                holder = r.next() ? "'" + r.getString(1) + "' (server process " + r.getInt(2) + ", from "
                        + (r.getString(3) == null ? "a local socket" : r.getString(3)) + ", connected since "
                        + r.getTimestamp(4).toInstant() + ")" : "a session that has just let it go";
            }
        }
        throw new HeldException("Another mirror run into this database holds " + what + ": " + holder + ".");
    }

    private static MirrorLock mariadb(Connection c, String stateTable) throws SQLException {
        // GET_LOCK names are server-wide (64 characters at most): the database and the state table, hashed
        String database = one(c, "SELECT DATABASE()");
        String name = mariaDbName(database, stateTable);
        String what = "the lock '" + name + "' (GET_LOCK) of " + database + "." + stateTable;
        try (PreparedStatement s = c.prepareStatement("SELECT GET_LOCK(?, 0)")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                if (r.getInt(1) == 1) {
                    return new MirrorLock(c, what);
                }
            }
        }
        String holder;
        try (PreparedStatement s = c.prepareStatement("SELECT p.ID, p.USER, p.HOST FROM "
                + "information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(?)")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                holder = r.next() ? "connection " + r.getLong(1) + " of " + r.getString(2) + " from " + r.getString(3)
                        : "a session that has just let it go";
            }
        }
        throw new HeldException("Another mirror run into this database holds " + what + ": " + holder + ".");
    }

    /** The MariaDB lock's name for a state table in a database. */
    static String mariaDbName(String database, String stateTable) {
        return "canvaslake-mirror-" + Integer.toHexString(key(database + "." + stateTable));
    }

    /** A non-negative 31-bit key for a name (PostgreSQL shows lock keys as unsigned; this keeps them one number). */
    static int key(String name) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() & 0x7fffffff);
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getString(1);
        }
    }

    /**
     * Throws unless the lock's connection is still open (a database restart or a dropped connection ends the lock
     * with it): call it before each table and before the state is saved.
     */
    void ensureHeld() {
        boolean valid;
        try {
            valid = connection.isValid(10);
        } catch (SQLException e) {
            valid = false;
        }
        if (!valid) {
            throw new IllegalStateException("The mirror's lock connection ended, and with it " + describe + ": "
                    + "another run may be mirroring now. This run stops before writing more; what it wrote stands, "
                    + "and the next run goes on from the saved state.");
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("mirror: closing the lock's connection: {}", e.getMessage());
        }
    }
}
