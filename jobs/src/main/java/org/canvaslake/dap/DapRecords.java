package org.canvaslake.dap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.input_file_name;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.dap.DapSchema.DapColumn;

/**
 * DAP JSON-lines records ({@code {"meta": {"ts", "action"}, "key": {...}, "value": {...}}}) to rows of
 * {@code cd2.<table>}: key and value fields flattened under their DAP names with the schema's types,
 * {@value DapSchema#META_TS}, {@value DapSchema#UNPARSED}, and {@value #DELETED} (true for {@code action = D},
 * whose records carry the key only). A pure function of DataFrames.
 *
 * <p>Every value is read as text first and converted on its own with {@code try_cast}: a value its column cannot
 * hold (DAP's oversized placeholder, a timestamp beyond year 9999, a number where text was expected) leaves the
 * column null (timestamps: years 1 to 9999) and keeps its original text in {@value DapSchema#UNPARSED}, instead of failing the batch or vanishing.
 * A line that is not a record or lacks a key field is set apart with its reason.
 */
public final class DapRecords {

    /** Marks a delete record; used as the MERGE delete marker, never written to a table. */
    public static final String DELETED = "__deleted";
    static final String RECORD = "__record";

    /**
     * The typed rows (latest record per key) and the lines that could not be read, both derived from
     * {@code parsed} (every line, converted), which {@link #cache} keeps so the files are read and parsed once.
     */
    public record Batch(Dataset<Row> rows, Dataset<Row> rejected, Dataset<Row> parsed) {
    }

    private DapRecords() {
    }

    /** Reads JSON-lines objects (gzip or plain) from files. */
    public static Batch read(SparkSession spark, List<String> files, DapSchema schema) {
        if (files.isEmpty()) {
            Dataset<Row> empty = spark.createDataFrame(List.of(), new org.apache.spark.sql.types.StructType()
                    .add("value", org.apache.spark.sql.types.DataTypes.StringType)
                    .add("source_file", org.apache.spark.sql.types.DataTypes.StringType));
            return parse(empty, schema);
        }
        Dataset<Row> lines = spark.read().text(files.toArray(String[]::new))
                .withColumn("source_file", input_file_name());
        return parse(lines, schema);
    }

    /** Parses lines (column {@code value}, optional {@code source_file}) into typed rows and rejects. */
    public static Batch parse(Dataset<Row> lines, DapSchema schema) {
        List<DapColumn> columns = schema.columns();
        // stage 1: the record's fields as flat text columns (aliases by position: DAP names may be anything)
        List<Column> flat = new ArrayList<>();
        flat.add(col("value"));
        flat.add(lines.columns().length > 1 ? col("source_file") : expr("CAST(NULL AS STRING)").as("source_file"));
        // PERMISSIVE from_json turns a broken line into a record of nulls; json_object_keys tells them apart
        flat.add(expr("json_object_keys(value) IS NOT NULL").as("__is_json"));
        flat.add(expr(ref("meta", "ts")).as("__meta_ts"));
        flat.add(expr(ref("meta", "action")).as("__meta_action"));
        for (int i = 0; i < columns.size(); i++) {
            DapColumn c = columns.get(i);
            flat.add(expr(ref(c.key() ? "key" : "value", c.name())).as(raw(i)));
        }
        Dataset<Row> raw = lines.where(expr("trim(value) <> ''"))
                .withColumn(RECORD, from_json(col("value"), schema.recordSchema(), Map.of("mode", "PERMISSIVE")))
                .select(flat.toArray(Column[]::new));

        // stage 2: each text converted once to its column's type
        List<Column> typedCols = new ArrayList<>(List.of(col("value"), col("source_file"), col("__is_json"),
                col("__meta_ts"), col("__meta_action")));
        for (int i = 0; i < columns.size(); i++) {
            DapColumn c = columns.get(i);
            typedCols.add(col(raw(i)));
            typedCols.add(expr(convert(raw(i), c)).cast(c.sparkType())
                    .as(c.name(), schema.tableSchema().apply(c.name()).metadata()));
        }
        Dataset<Row> typed = raw.select(typedCols.toArray(Column[]::new));

        List<String> validity = new ArrayList<>(List.of("__is_json"));
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).key()) {
                validity.add("`" + columns.get(i).name().replace("`", "``") + "` IS NOT NULL");
            }
        }
        String valid = "coalesce(" + String.join(" AND ", validity) + ", false)";
        Dataset<Row> bad = typed.where(expr("NOT " + valid)).select(col("value").as("line"), col("source_file"),
                expr("CASE WHEN NOT __is_json THEN 'not a JSON record' ELSE 'key field missing or not of the key type "
                        + schema.keyNames() + "' END").as("reason"));

        // stage 3: what a column could not hold, by name, from the text and the typed value computed above
        List<String> unparsedEntries = new ArrayList<>();
        List<Column> out = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            DapColumn c = columns.get(i);
            String name = "`" + c.name().replace("`", "``") + "`";
            out.add(col(name));
            if (c.kind() != DapSchema.Kind.STRING) {
                unparsedEntries.add("'" + c.name().replace("\\", "\\\\").replace("'", "\\'") + "', CASE WHEN "
                        + raw(i) + " IS NOT NULL AND " + name + " IS NULL THEN " + raw(i) + " END");
            }
        }
        out.add(expr("try_cast(__meta_ts AS TIMESTAMP)").as(DapSchema.META_TS));
        // JSON text rather than a map: MERGE compares rows column by column, and Spark cannot compare maps
        String unparsed = unparsedEntries.isEmpty() ? "CAST(NULL AS STRING)"
                : "nullif(to_json(map_filter(map(" + String.join(", ", unparsedEntries)
                        + "), (k, v) -> v IS NOT NULL)), '{}')";
        out.add(expr(unparsed).as(DapSchema.UNPARSED, schema.tableSchema().apply(DapSchema.UNPARSED).metadata()));
        out.add(expr("coalesce(upper(__meta_action) = 'D', false)").as(DELETED));

        Dataset<Row> rows = typed.where(expr(valid)).select(out.toArray(Column[]::new));
        Dataset<Row> latest = DeltaTables.latestPerKey(rows, schema.keyNames(),
                col(DapSchema.META_TS).desc_nulls_last(), col(DELETED).desc());
        return new Batch(latest, bad, typed);
    }

    private static String raw(int index) {
        return "__raw_" + index;
    }

    /** Persists the parsed lines for the several passes of an apply (counts, MERGE, mirrors). */
    public static Batch cache(Batch batch) {
        batch.parsed().persist(StorageLevel.MEMORY_AND_DISK());
        return batch;
    }

    private static String ref(String section, String field) {
        return "`" + RECORD + "`.`" + section + "`.`" + field.replace("`", "``") + "`";
    }

    /** SQL turning the text of a field into its column's type, null where it cannot. */
    private static String convert(String raw, DapColumn c) {
        return switch (c.kind()) {
            case LONG -> "try_cast(" + raw + " AS BIGINT)";
            case INT -> "try_cast(" + raw + " AS INT)";
            case DOUBLE -> "try_cast(" + raw + " AS DOUBLE)";
            case BOOLEAN -> "try_cast(" + raw + " AS BOOLEAN)";
            // Spark would hold year 10000 and later, but Delta readers, SQL databases and BI tools do not all
            // agree: only four-digit years 0001-9999 are converted; others stay text in _unparsed
            case TIMESTAMP -> "CASE WHEN " + raw + " RLIKE '^(?!0000)[0-9]{4}-' THEN try_cast(" + raw
                    + " AS TIMESTAMP) END";
            case DATE -> "CASE WHEN " + raw + " RLIKE '^(?!0000)[0-9]{4}-' THEN try_cast(" + raw + " AS DATE) END";
            // an object or array arrives as its JSON text; a bare string there is a placeholder, not JSON
            case JSON -> "CASE WHEN " + raw + " RLIKE '^\\\\s*[\\\\[{]' THEN " + raw + " END";
            case STRING -> raw;
        };
    }
}
