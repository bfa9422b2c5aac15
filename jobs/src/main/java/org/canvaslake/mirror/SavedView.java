package org.canvaslake.mirror;

/**
 * A view (or materialized view) that depends on a mirrored table, as saved before a schema change drops it:
 * {@code depth} 1 reads the table directly, 2 reads a depth-1 view, and so on; views are dropped deepest first and
 * restored shallowest first.
 */
record SavedView(String schema, String name, boolean materialized, String definition, int depth) {

    String qualifiedName() {
        return schema + "." + name;
    }
}
