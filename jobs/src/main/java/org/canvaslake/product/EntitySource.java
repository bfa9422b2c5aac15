package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.product.ProductSchema.Entity;
import org.canvaslake.product.ProductSchema.Field;

/**
 * Where users, courses and assignments come from: the Canvas REST snapshots ({@code canvas.*}) or Canvas Data 2
 * ({@code cd2.*}). A source is a set of {@link EntityMapping}s plus, where one table is not enough (CD2 keeps
 * logins and e-mails in other tables), an enrichment step.
 *
 * <p>Every source yields the same normalised <em>versions</em> per entity: the id split into local part and shard,
 * the product's attribute columns, and a validity range {@code [__valid_from, __valid_to)} where null means
 * unbounded. From a history table the ranges chain one version to the next (the first version also covers
 * earlier times, the last version later ones, so an event of a known entity always finds a version); from a
 * latest-only table there is one unbounded version per id.
 */
public abstract class EntitySource {

    static final String ID_LOCAL = "__id_local";
    static final String ID_SHARD = "__id_shard";
    static final String FROM = "__valid_from";
    static final String TO = "__valid_to";
    static final String COURSE_LOCAL = "__course_local";

    /** The normalised versions of every entity the source has, plus what the report should say about them. */
    public record Versions(String source, Map<Entity, Dataset<Row>> byEntity, Map<Entity, String> readFrom,
                           List<String> notes) {

        public Optional<Dataset<Row>> of(Entity entity) {
            return Optional.ofNullable(byEntity.get(entity));
        }

        public static Versions none() {
            return new Versions("none", Map.of(), Map.of(), List.of());
        }
    }

    /** rest or cd2: the value of --entities and of the product's entity_source column. */
    public abstract String name();

    public abstract List<EntityMapping> mappings();

    /** Adds columns that live in other tables of the source; the default adds nothing. */
    protected Dataset<Row> enrich(SparkSession spark, Lake lake, Entity entity, Dataset<Row> versions,
                                  List<String> notes) {
        return versions;
    }

    /** True when at least one of the source's entity tables is in the lake. */
    public boolean existsIn(SparkSession spark, Lake lake) {
        return mappings().stream().anyMatch(m -> DeltaTables.exists(spark, lake.table(m.table()))
                || m.historyTable().map(h -> DeltaTables.exists(spark, lake.table(h))).orElse(false));
    }

    public Versions read(SparkSession spark, Lake lake) {
        Map<Entity, Dataset<Row>> out = new EnumMap<>(Entity.class);
        Map<Entity, String> from = new EnumMap<>(Entity.class);
        List<String> notes = new ArrayList<>();
        for (EntityMapping m : mappings()) {
            Optional<String> history = m.historyTable().filter(h -> DeltaTables.exists(spark, lake.table(h)));
            Dataset<Row> versions;
            if (history.isPresent()) {
                versions = historyVersions(DeltaTables.read(spark, lake.table(history.get())), m, notes,
                        history.get());
                from.put(m.entity(), history.get() + " (history, point in time)");
            } else if (DeltaTables.exists(spark, lake.table(m.table()))) {
                versions = latestVersions(DeltaTables.read(spark, lake.table(m.table())), m, notes);
                from.put(m.entity(), m.table() + " (latest copy)");
            } else {
                notes.add(name() + ": no " + m.table() + " in the lake; every event's " + m.entity().prefix()
                        + " is unmatched");
                continue;
            }
            out.put(m.entity(), enrich(spark, lake, m.entity(), versions, notes));
        }
        return new Versions(name(), out, from, notes);
    }

    /** One unbounded version per id: the newest copy by the mapping's ordering columns. */
    static Dataset<Row> latestVersions(Dataset<Row> table, EntityMapping m, List<String> notes) {
        Dataset<Row> projected = select(table, m, notes, m.table(), false);
        return projected.where(col(ID_LOCAL).isNotNull())
                .withColumn("__rank", row_number().over(Window.partitionBy(col(ID_LOCAL), col(ID_SHARD))
                        .orderBy(col("__order").desc_nulls_last())))
                .where(col("__rank").equalTo(1))
                .drop("__rank", "__order")
                .withColumn(FROM, lit(null).cast(DataTypes.TimestampType))
                .withColumn(TO, lit(null).cast(DataTypes.TimestampType));
    }

    /**
     * Versions chained by valid_from: each version lasts until the next one starts. The stored valid_to is not
     * trusted for the bounds (a deleted entity's last version is closed, but its events still deserve its name),
     * and the first version is open towards the past (events before the first snapshot get the earliest known).
     */
    static Dataset<Row> historyVersions(Dataset<Row> table, EntityMapping m, List<String> notes, String name) {
        if (!Arrays.asList(table.columns()).contains(EntityMapping.VALID_FROM)) {
            throw new IllegalStateException("History table " + name + " has no " + EntityMapping.VALID_FROM
                    + " column (columns: " + String.join(", ", table.columns()) + "); fix the entity mapping in "
                    + "EntitySource or run with the latest copies only");
        }
        Dataset<Row> projected = select(table, m, notes, name, true).drop("__order").where(col(ID_LOCAL).isNotNull());
        WindowSpec byId = Window.partitionBy(col(ID_LOCAL), col(ID_SHARD)).orderBy(col(FROM).asc_nulls_first());
        // several copies with the same valid_from: keep one
        Dataset<Row> distinct = projected.dropDuplicates(ID_LOCAL, ID_SHARD, FROM);
        return distinct
                .withColumn("__n", row_number().over(byId))
                .withColumn(TO, lead(col(FROM), 1).over(byId))
                .withColumn(FROM, when(col("__n").gt(1), col(FROM)))
                .drop("__n");
    }

    private static Dataset<Row> select(Dataset<Row> table, EntityMapping m, List<String> notes, String name,
                                       boolean history) {
        Set<String> have = new HashSet<>();
        for (String c : table.columns()) {
            have.add(c.toLowerCase());
        }
        if (!have.contains(m.idColumn().toLowerCase())) {
            throw new IllegalStateException("Entity table " + name + " has no id column '" + m.idColumn()
                    + "' (columns: " + String.join(", ", table.columns()) + "); fix the mapping of "
                    + m.entity().plural() + " in " + EntitySource.class.getSimpleName());
        }
        List<Column> cols = new ArrayList<>();
        cols.add(CanvasIds.local(col(m.idColumn())).as(ID_LOCAL));
        cols.add(CanvasIds.shard(col(m.idColumn())).as(ID_SHARD));
        List<String> missing = new ArrayList<>();
        for (Field f : m.entity().attributes()) {
            String source = m.columns().get(f.name());
            if (source != null && have.contains(source.toLowerCase())) {
                cols.add(col(source).cast(f.type()).as(f.name()));
            } else {
                if (source != null) {
                    missing.add(source);
                }
                cols.add(lit(null).cast(f.type()).as(f.name()));
            }
        }
        m.courseIdColumn().ifPresent(c -> {
            if (have.contains(c.toLowerCase())) {
                cols.add(CanvasIds.local(col(c)).as(COURSE_LOCAL));
            } else {
                missing.add(c);
                cols.add(lit(null).cast(DataTypes.LongType).as(COURSE_LOCAL));
            }
        });
        if (!missing.isEmpty()) {
            notes.add(name + " lacks column(s) " + missing + "; those product columns stay empty");
        }
        if (history) {
            cols.add(col(EntityMapping.VALID_FROM).cast(DataTypes.TimestampType).as(FROM));
        }
        List<String> order = m.latestFirst().stream().filter(c -> have.contains(c.toLowerCase())).toList();
        cols.add(order.isEmpty() ? lit(null).cast(DataTypes.StringType).as("__order")
                : org.apache.spark.sql.functions.struct(order.stream().map(c -> col(c)).toArray(Column[]::new))
                .as("__order"));
        return table.select(cols.toArray(Column[]::new));
    }
}
