package org.canvaslake.common.delta;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;

/**
 * The one place Delta tables are created, merged into and evolved. Every job writes through here so MERGE
 * semantics (keys, deletes, "rewrite nothing when nothing changed") are the same everywhere.
 */
public final class DeltaTables {

    private static final Logger LOG = LoggerFactory.getLogger(DeltaTables.class);

    /** At most this many source rows already in the table are left out of an append; more are MERGEd. */
    private static final int MATCHES_CHECKED = 10_000;

    private DeltaTables() {
    }

    /**
     * Whether there is a table at the path. Delta answers from the log it has cached for the path in this JVM, which
     * stays at "no table" when the first commit failed here as far as the writer could tell but landed all the same (a
     * PUT done and its answer lost), or when another process made the table since: the run after would then write the
     * table anew on top of the rows it has. So a "no" is asked again of the log itself (and the fresh log is what
     * merges use next).
     */
    public static boolean exists(SparkSession spark, String path) {
        if (DeltaTable.isDeltaTable(spark, path)) {
            return true;
        }
        DeltaLog.invalidateCache(spark, new Path(path));
        return DeltaTable.isDeltaTable(spark, path);
    }

    /** The table's newest version, as its log says now (a listing of the log, not a Spark job). */
    public static long latestVersion(SparkSession spark, String path) {
        return DeltaTable.forPath(spark, path).history(1).select("version").first().getLong(0);
    }

    /**
     * Whether the table has a commit of this version: one look for the commit file the Delta protocol names
     * {@code _delta_log/<version, 20 digits>.json}, where {@link #latestVersion} lists the log and reads a commit.
     */
    public static boolean hasVersion(SparkSession spark, String path, long version) {
        Path commit = new Path(hadoopForm(path), String.format("_delta_log/%020d.json", version));
        try {
            return commit.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(commit);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot look for commit " + version + " of the Delta table at " + path
                    + ": " + e.getMessage() + ". Check that the lake's storage answers (credentials, network).", e);
        }
    }

    /** Creates an empty table with the schema if there is none at the path. */
    public static void createIfAbsent(SparkSession spark, String path, StructType schema, List<String> partitionBy) {
        path = hadoopForm(path);
        if (exists(spark, path)) {
            return;
        }
        // an empty append creates the table; DeltaTable.createIfNotExists().location() refuses a file:/// root
        // as "two different locations" (file:/// vs file:/) and so failed every first MERGE into a local lake
        var writer = spark.createDataFrame(List.of(), schema).write().format("delta").mode(SaveMode.Append);
        if (!partitionBy.isEmpty()) {
            writer = writer.partitionBy(partitionBy.toArray(String[]::new));
        }
        writer.save(path);
    }

    public static Dataset<Row> read(SparkSession spark, String path) {
        return spark.read().format("delta").load(path);
    }

    /**
     * Keeps one row per key: the one with the greatest {@code orderBy} values (e.g. the latest {@code meta.ts}).
     * MERGE requires at most one source row per target row.
     */
    public static Dataset<Row> latestPerKey(Dataset<Row> rows, List<String> keys, Column... orderBy) {
        Column[] partition = keys.stream().map(k -> col(k)).toArray(Column[]::new);
        return rows.withColumn("__rank", row_number().over(Window.partitionBy(partition).orderBy(orderBy)))
                .where(col("__rank").equalTo(1)).drop("__rank");
    }

    /**
     * Adds to the table every top-level column the source has and the table lacks (nullable), so that rows
     * bringing new fields keep them. Returns the added column names.
     */
    public static List<String> evolveSchema(SparkSession spark, String path, StructType source) {
        StructType target = read(spark, path).schema();
        Set<String> have = Arrays.stream(target.fieldNames()).map(String::toLowerCase).collect(Collectors.toSet());
        List<StructField> missing = Arrays.stream(source.fields())
                .filter(f -> !have.contains(f.name().toLowerCase())).toList();
        if (missing.isEmpty()) {
            return List.of();
        }
        String columns = missing.stream()
                .map(f -> quote(f.name()) + " " + f.dataType().sql())
                .collect(Collectors.joining(", "));
        spark.sql("ALTER TABLE delta.`" + hadoopForm(path) + "` ADD COLUMNS (" + columns + ")");
        List<String> names = missing.stream().map(StructField::name).toList();
        LOG.info("Table {} gained columns {}", path, names);
        return names;
    }

    /**
     * MERGE the source into the table at {@code path}: insert new keys, update changed rows, delete rows the
     * source marks deleted. Creates the table from the source when it does not exist yet. New source columns are
     * added to the table first. Re-running with the same source changes nothing.
     */
    public static MergeResult merge(SparkSession spark, Dataset<Row> source, String path, MergeSpec spec) {
        List<String> written = new ArrayList<>(Arrays.asList(source.columns()));
        spec.deleteMarker().ifPresent(written::remove);
        for (String key : spec.keys()) {
            if (!written.contains(key)) {
                throw new IllegalArgumentException("MERGE into " + path + ": key column '" + key
                        + "' is not in the source columns " + written);
            }
        }
        StructType writtenSchema = source.drop(spec.deleteMarker().orElse("__none__")).schema();
        if (!exists(spark, path)) {
            createIfAbsent(spark, path, writtenSchema, spec.partitionBy());
        }
        List<String> added = evolveSchema(spark, path, writtenSchema);

        String on = spec.keys().stream().map(k -> "t." + quote(k) + " <=> s." + quote(k))
                .collect(Collectors.joining(" AND "));
        if (spec.targetFilter().isPresent()) {
            on = "(" + on + ") AND (" + spec.targetFilter().get() + ")";
        }
        Map<String, String> assignments = new LinkedHashMap<>();
        for (String c : written) {
            assignments.put(quote(c), "s." + quote(c));
        }
        String changed = spec.updateWhen().orElseGet(() -> written.stream()
                .filter(c -> !spec.keys().contains(c) && !spec.compareIgnoring().contains(c))
                .map(c -> "NOT (t." + quote(c) + " <=> s." + quote(c) + ")")
                .collect(Collectors.joining(" OR ")));
        String notDeleted = spec.deleteMarker().map(m -> "(s." + quote(m) + " IS NULL OR NOT s." + quote(m) + ")")
                .orElse(null);

        if (spec.appendWhenNoneMatch()) {
            String acts = spec.deleteMarker().map(m -> "s." + quote(m)).orElse("FALSE")
                    + (changed.isEmpty() ? "" : " OR (" + join(notDeleted, "(" + changed + ")") + ")");
            Optional<Dataset<Row>> unmatched = unmatchedWhenNoneChanges(spark, source, path, spec, acts);
            if (unmatched.isPresent()) {
                // MERGE would insert these rows (those it does not delete) and leave the rest of the table alone
                Dataset<Row> rows = unmatched.get();
                boolean someLeftOut = rows != source;
                if (notDeleted != null) {
                    rows = rows.as("s").where(notDeleted).drop(spec.deleteMarker().get());
                }
                if (someLeftOut && rows.isEmpty()) {
                    return new MergeResult(0, 0, 0, added);  // all there already: no commit, as MERGE would do
                }
                appendNew(rows, path, spec);
                Row last = DeltaTable.forPath(spark, path).history(1).select("operationMetrics").first();
                return new MergeResult(metric(last.getJavaMap(0), "numOutputRows"), 0, 0, added);
            }
        }

        DeltaMergeBuilder builder = DeltaTable.forPath(spark, path).as("t").merge(source.as("s"), on);
        if (spec.deleteMarker().isPresent()) {
            builder = builder.whenMatched("s." + quote(spec.deleteMarker().get())).delete();
        }
        if (!changed.isEmpty()) {
            builder = builder.whenMatched(join(notDeleted, "(" + changed + ")")).updateExpr(assignments);
        }
        builder = notDeleted == null ? builder.whenNotMatched().insertExpr(assignments)
                : builder.whenNotMatched(notDeleted).insertExpr(assignments);
        builder.execute();
        return lastMergeMetrics(spark, path, added);
    }

    /**
     * Appends rows that meet no target row under the spec's keys, as {@link #merge} would insert them: one file per
     * partition (as MERGE writes with {@code merge.repartitionBeforeWrite}), new columns added. For callers that
     * know the rows are new without asking the table (e.g. checked once against another table of the same run).
     */
    public static void appendNew(Dataset<Row> rows, String path, MergeSpec spec) {
        if (!spec.partitionBy().isEmpty()) {
            rows = rows.repartition(spec.partitionBy().stream().map(c -> col(c)).toArray(Column[]::new));
        }
        append(rows, path, List.of());
    }

    /**
     * For {@link MergeSpec#appendingWhenNoKeyMatches()}: the source rows a MERGE would insert, when that is all it
     * would do; empty when it would also update or delete. First a semi join reads only the key columns of the target
     * rows the target filter leaves (partition pruning) and collects the keys that meet; usually none do. When some
     * do (redeliveries, a re-run after a crash), a second join over just those keys asks whether MERGE would change
     * any of them ({@code acts}: the delete or update condition); when none would, they are left out and the rest is
     * appended. More than {@value #MATCHES_CHECKED} meeting keys: the MERGE itself is cheaper.
     */
    private static Optional<Dataset<Row>> unmatchedWhenNoneChanges(SparkSession spark, Dataset<Row> source,
                                                                    String path, MergeSpec spec, String acts) {
        Dataset<Row> target = read(spark, path).as("t");
        if (spec.targetFilter().isPresent()) {
            target = target.where(functions.expr(spec.targetFilter().get()));
        }
        Column[] keys = spec.keys().stream().map(k -> col(quote(k))).toArray(Column[]::new);
        Column on = functions.expr(spec.keys().stream().map(k -> "t." + quote(k) + " <=> s." + quote(k))
                .collect(Collectors.joining(" AND ")));
        Dataset<Row> metKeys = source.as("s").join(target.select(keys).as("t"), on, "left_semi").select(keys);
        List<Row> met = metKeys.limit(MATCHES_CHECKED + 1).collectAsList();
        if (met.isEmpty()) {
            return Optional.of(source);
        }
        if (met.size() > MATCHES_CHECKED) {
            return Optional.empty();
        }
        Dataset<Row> metRows = functions.broadcast(spark.createDataFrame(met, metKeys.schema())).as("m");
        Column onMet = functions.expr(spec.keys().stream().map(k -> "m." + quote(k) + " <=> s." + quote(k))
                .collect(Collectors.joining(" AND ")));
        Dataset<Row> metSource = source.as("s").join(metRows, onMet, "left_semi");
        boolean changes = !metSource.as("s").join(target.as("t"), on, "inner")
                .where("coalesce(" + acts + ", FALSE)").limit(1).isEmpty();
        if (changes) {
            return Optional.empty();
        }
        LOG.info("{}: {} source rows already there unchanged, appending the rest", path, met.size());
        return Optional.of(source.as("s").join(metRows, onMet, "left_anti"));
    }

    private static MergeResult lastMergeMetrics(SparkSession spark, String path, List<String> added) {
        Row last = DeltaTable.forPath(spark, path).history(1).select("operation", "operationMetrics").first();
        if (!"MERGE".equals(last.getString(0))) {
            return new MergeResult(0, 0, 0, added);
        }
        Map<String, String> metrics = last.getJavaMap(1);
        return new MergeResult(metric(metrics, "numTargetRowsInserted"), metric(metrics, "numTargetRowsUpdated"),
                metric(metrics, "numTargetRowsDeleted"), added);
    }

    private static long metric(Map<String, String> metrics, String name) {
        String v = metrics.get(name);
        return v == null ? 0 : Long.parseLong(v);
    }

    /** Appends rows, adding any new columns to the table (creates it if absent). */
    public static void append(Dataset<Row> rows, String path, List<String> partitionBy) {
        append(rows, path, partitionBy, Map.of());
    }

    /**
     * Appends rows, adding any new columns; a table this creates gets {@code tableProperties} ({@code delta.*}, e.g.
     * which columns carry statistics); an existing table keeps its own.
     */
    public static void append(Dataset<Row> rows, String path, List<String> partitionBy,
                              Map<String, String> tableProperties) {
        var writer = rows.write().format("delta").mode(SaveMode.Append).option("mergeSchema", "true")
                .options(tableProperties);
        if (!partitionBy.isEmpty()) {
            writer = writer.partitionBy(partitionBy.toArray(String[]::new));
        }
        writer.save(path);
    }

    /** Replaces the table's content (and schema) with the rows, in one commit. */
    public static void overwrite(Dataset<Row> rows, String path, List<String> partitionBy) {
        overwrite(rows, path, partitionBy, Map.of());
    }

    /** Replaces the table's content (and schema) in one commit; {@code tableProperties} as for {@link #append}. */
    public static void overwrite(Dataset<Row> rows, String path, List<String> partitionBy,
                                 Map<String, String> tableProperties) {
        // static: the whole table is replaced (the session's dynamic mode would refuse overwriteSchema)
        var writer = rows.write().format("delta").mode(SaveMode.Overwrite).option("overwriteSchema", "true")
                .option("partitionOverwriteMode", "static").options(tableProperties);
        if (!partitionBy.isEmpty()) {
            writer = writer.partitionBy(partitionBy.toArray(String[]::new));
        }
        writer.save(path);
    }

    /**
     * {@code file:///x} and {@code file:/x} name the same directory, but Delta's CREATE TABLE compares them as
     * strings and refuses the pair; Hadoop's own form is {@code file:/x}.
     */
    public static String hadoopForm(String path) {
        return path.startsWith("file:///") ? "file:/" + path.substring("file:///".length()) : path;
    }

    public static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    private static String join(String a, String b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a + " AND " + b;
    }
}
