package org.canvaslake.product;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.canvaslake.product.ProductSchema.Entity;

/**
 * How one entity source table maps onto the product's columns: which lake table holds the latest copy, which
 * (if any) holds its history, the id column, how to pick the latest row per id, and for each product column the
 * source column it comes from. Every difference between the sources' column names lives in these mappings.
 *
 * @param columns product column (e.g. {@code user_name}) to source column (e.g. {@code name}); a product
 *                attribute without an entry, or whose source column is absent, is null (and said so in the report)
 * @param courseIdColumn assignments only: the source column holding the assignment's course id
 */
public record EntityMapping(Entity entity, String table, Optional<String> historyTable, String idColumn,
                            List<String> latestFirst, Map<String, String> columns, Optional<String> courseIdColumn) {

    /** History tables keep each version with these bounds: valid from (inclusive) until valid_to (exclusive). */
    public static final String VALID_FROM = "valid_from";
    public static final String VALID_TO = "valid_to";

    public EntityMapping {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(idColumn, "idColumn");
        latestFirst = List.copyOf(latestFirst);
        columns = new LinkedHashMap<>(columns);
        for (String target : columns.keySet()) {
            if (entity.attributes().stream().noneMatch(f -> f.name().equals(target))) {
                throw new IllegalArgumentException("Mapping of " + table + " names product column '" + target
                        + "', which is not an attribute of " + entity.plural() + ": " + entity.attributes());
            }
        }
    }

    public static Builder of(Entity entity, String table, String idColumn) {
        return new Builder(entity, table, idColumn);
    }

    /** Fluent construction so each source's mapping reads as a table of column pairs. */
    public static final class Builder {
        private final Entity entity;
        private final String table;
        private final String idColumn;
        private String history;
        private List<String> latestFirst = List.of();
        private final Map<String, String> columns = new LinkedHashMap<>();
        private String courseId;

        private Builder(Entity entity, String table, String idColumn) {
            this.entity = entity;
            this.table = table;
            this.idColumn = idColumn;
        }

        public Builder history(String historyTable) {
            this.history = historyTable;
            return this;
        }

        /** Columns ordering the copies of one id, newest first (e.g. snapshot_at, meta_ts). */
        public Builder latestBy(String... columnsNewestFirst) {
            this.latestFirst = List.of(columnsNewestFirst);
            return this;
        }

        public Builder map(String productColumn, String sourceColumn) {
            columns.put(productColumn, sourceColumn);
            return this;
        }

        public Builder courseId(String sourceColumn) {
            this.courseId = sourceColumn;
            return this;
        }

        public EntityMapping build() {
            return new EntityMapping(entity, table, Optional.ofNullable(history), idColumn, latestFirst, columns,
                    Optional.ofNullable(courseId));
        }
    }
}
