package org.canvaslake.mirror;

import java.util.List;

/**
 * What one load did. {@code upserted} counts the rows written as inserts or updates (PostgreSQL: rows actually
 * inserted or changed; MariaDB: rows staged for upsert), {@code deleted} the rows removed.
 */
public record MirrorResult(TableChange change, long staged, long upserted, long deleted, long millis) {

    /** How the table's definition changed before the load. */
    public record TableChange(boolean created, boolean recreated, List<String> addedColumns,
                              List<String> changedColumns, List<String> restoredViews) {

        public TableChange {
            addedColumns = List.copyOf(addedColumns);
            changedColumns = List.copyOf(changedColumns);
            restoredViews = List.copyOf(restoredViews);
        }

        public static TableChange none() {
            return new TableChange(false, false, List.of(), List.of(), List.of());
        }

        /** The existing rows no longer match the table (new or recreated): it needs every row, not a delta. */
        public boolean needsFullLoad() {
            return created || recreated;
        }

        public boolean isEmpty() {
            return !created && !recreated && addedColumns.isEmpty() && changedColumns.isEmpty();
        }
    }
}
