package org.canvaslake.mirror;

/** How loaded rows meet the table's rows. */
public enum LoadMode {
    /** Insert new keys, update changed rows, delete the keys the delete marker flags; other rows stay. */
    UPSERT,
    /** The rows are the whole table: as UPSERT, and rows whose key is not among them are deleted. */
    REPLACE
}
