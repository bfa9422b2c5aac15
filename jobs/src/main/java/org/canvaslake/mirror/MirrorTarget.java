package org.canvaslake.mirror;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where rows go in a SQL database: a schema (a database on MariaDB/MySQL), a table, its key columns, and optionally
 * the source column that marks a row as deleted (the column itself is not written).
 */
public record MirrorTarget(String schema, String table, List<String> keys, Optional<String> deleteMarker) {

    public MirrorTarget {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        keys = List.copyOf(keys);
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("Mirror table " + schema + "." + table + " needs at least one key column");
        }
    }

    public static MirrorTarget of(String schema, String table, List<String> keys) {
        return new MirrorTarget(schema, table, keys, Optional.empty());
    }

    public MirrorTarget deleteWhere(String marker) {
        return new MirrorTarget(schema, table, keys, Optional.of(marker));
    }

    public String name() {
        return schema + "." + table;
    }
}
