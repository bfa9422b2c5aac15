package org.canvaslake.mirror;

/**
 * What a mirrored table was last loaded from, kept in the database's {@code canvaslake_sync_state} table in the same
 * transaction as the rows: the source ({@code dap:canvas.users}, {@code delta:cd2.users}), the position in it (a DAP
 * {@code until}, a Delta version), the source's schema version, and a free detail (a job id).
 */
public record SyncPosition(String source, String position, Integer schemaVersion, String detail) {
}
