package org.canvaslake.canvas;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;

import scala.Tuple2;

/**
 * The transform half of the job: one raw snapshot (a run folder of pages) as the entity's cleansed rows, one per id,
 * with {@code is_deleted = false}, the snapshot's time and the hash that change detection compares. The API run and
 * a {@code --from-raw} rebuild both read the pages from the lake through this class, so they cannot differ.
 *
 * <p>Canvas pages can repeat an object when the data shifts while they are read; the copy from the later page wins.
 * Objects without a usable id are counted and left out (they stay in the raw pages).
 */
public final class CleansedSnapshot implements AutoCloseable {

    private static final String PAGE = "__page";
    private static final String POSITION = "__position";
    private static final String BAD_TIMES = "__bad_timestamps";

    private final Dataset<Row> rows;
    private final Dataset<Row> parsed;
    private final long received;
    private final long withoutId;
    private final long duplicates;
    private final long badTimestamps;

    private CleansedSnapshot(Dataset<Row> rows, Dataset<Row> parsed, long received, long withoutId, long duplicates,
                             long badTimestamps) {
        this.rows = rows;
        this.parsed = parsed;
        this.received = received;
        this.withoutId = withoutId;
        this.duplicates = duplicates;
        this.badTimestamps = badTimestamps;
    }

    public static CleansedSnapshot read(SparkSession spark, RawSnapshotStore store, CanvasEntity entity, String dir,
                                        Instant snapshotAt) {
        StructType parsedSchema = parsedSchema(entity);
        Dataset<Row> parsed;
        if (store.pages(dir).isEmpty()) {
            parsed = spark.createDataFrame(List.of(), parsedSchema);
        } else {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            JavaRDD<Row> objects = jsc.wholeTextFiles(dir + "/page-*.json").flatMap(new PageRows(entity));
            parsed = spark.createDataFrame(objects, parsedSchema);
        }
        parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK());
        String key = entity.key();
        Row stats = parsed.agg(count(lit(1)), sum(when(col(key).isNull(), 1).otherwise(0)), sum(col(BAD_TIMES)),
                countDistinct(col(key))).first();
        long received = stats.getLong(0);
        long withoutId = stats.isNullAt(1) ? 0 : stats.getLong(1);
        long bad = stats.isNullAt(2) ? 0 : stats.getLong(2);
        long distinct = stats.getLong(3);

        Dataset<Row> unique = DeltaTables.latestPerKey(parsed.where(col(key).isNotNull()), List.of(key),
                col(PAGE).desc(), col(POSITION).desc());
        Dataset<Row> rows = asSnapshot(entity, unique, snapshotAt);
        return new CleansedSnapshot(rows, parsed, received, withoutId, received - withoutId - distinct, bad);
    }

    /** Cleansed columns (one row per id) as snapshot rows: not deleted, seen at the snapshot's time, hashed. */
    public static Dataset<Row> asSnapshot(CanvasEntity entity, Dataset<Row> cleansed, Instant snapshotAt) {
        return cleansed
                .withColumn(CanvasEntity.IS_DELETED, lit(false))
                .withColumn(CanvasEntity.SNAPSHOT_AT, lit(Timestamp.from(snapshotAt)))
                .withColumn(CanvasEntity.ROW_HASH, SnapshotDiff.rowHash(entity.dataColumns()))
                .select(entity.latestColumns().stream().map(c -> col(c)).toArray(Column[]::new));
    }

    /** One row per distinct id: the cleansed columns, is_deleted, snapshot_at, row_hash. */
    public Dataset<Row> rows() {
        return rows;
    }

    /** Objects in the pages. */
    public long received() {
        return received;
    }

    public long withoutId() {
        return withoutId;
    }

    /** Objects that repeated an id already seen (paging shifts). */
    public long duplicates() {
        return duplicates;
    }

    /** Time values that were not a Canvas time and became null. */
    public long badTimestamps() {
        return badTimestamps;
    }

    @Override
    public void close() {
        parsed.unpersist();
    }

    private static StructType parsedSchema(CanvasEntity entity) {
        List<StructField> fields = new ArrayList<>();
        for (StructField f : entity.dataSchema().fields()) {
            fields.add(DataTypes.createStructField(f.name(), f.dataType(), true));
        }
        fields.add(DataTypes.createStructField(PAGE, DataTypes.IntegerType, false));
        fields.add(DataTypes.createStructField(POSITION, DataTypes.IntegerType, false));
        fields.add(DataTypes.createStructField(BAD_TIMES, DataTypes.IntegerType, false));
        return DataTypes.createStructType(fields);
    }

    /** A page file (path, text) to its objects' rows. Runs in Spark tasks. */
    static final class PageRows implements FlatMapFunction<Tuple2<String, String>, Row> {
        private static final long serialVersionUID = 1L;
        private final CanvasEntity entity;

        PageRows(CanvasEntity entity) {
            this.entity = entity;
        }

        @Override
        public Iterator<Row> call(Tuple2<String, String> file) throws IOException {
            int page = RawSnapshotStore.pageNumber(new Path(file._1()).getName());
            JsonNode items;
            try {
                items = Json.MAPPER.readTree(file._2());
            } catch (IOException e) {
                throw new IOException("Raw page " + file._1() + " is not valid JSON (" + e.getMessage()
                        + "); it was changed after it was saved. Fetch a new snapshot instead.", e);
            }
            if (items == null || !items.isArray()) {
                throw new IOException("Raw page " + file._1() + " does not hold a JSON list; it was not written by "
                        + "the canvas job");
            }
            List<Row> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                CanvasCleanser.Cleansed c = CanvasCleanser.cleanse(entity, items.get(i));
                Object[] values = new Object[c.values().length + 3];
                System.arraycopy(c.values(), 0, values, 0, c.values().length);
                values[values.length - 3] = page;
                values[values.length - 2] = i;
                values[values.length - 1] = c.badTimestamps();
                out.add(RowFactory.create(values));
            }
            return out.iterator();
        }
    }
}
