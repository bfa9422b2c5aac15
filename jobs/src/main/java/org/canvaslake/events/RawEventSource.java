package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The source of the job: raw objects in, one cached DataFrame of {@link ParsedRecords} out. Objects are spread
 * over tasks by size; each task reads its objects itself and parses them with Jackson into rows of the fixed schema
 * (no schema inference, no per-line Spark JSON). The rows are sorted by kind and event name inside each task before
 * caching, so that the cached column batches each hold one event type and building a per-type table reads only its
 * own batches.
 */
public final class RawEventSource {

    /** Compressed bytes per parse task: enough work per task, few enough rows to sort in memory. */
    static final long BYTES_PER_TASK = 16L * 1024 * 1024;

    private RawEventSource() {
    }

    public static Dataset<Row> read(SparkSession spark, RawObjectStore store, List<RawObject> objects) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<List<RawObject>> groups = balance(objects, spark.sparkContext().defaultParallelism());
        boolean java8Time = SparkTime.java8(spark);
        // tasks carry a group number, the groups travel once in a broadcast: the cached rows keep their lineage, so
        // an object list inside the partition would be serialised again with every task of every table's write
        Broadcast<List<List<RawObject>>> shared = jsc.broadcast(groups);
        List<Integer> numbers = IntStream.range(0, groups.size()).boxed().toList();
        JavaRDD<Row> rows = jsc.parallelize(numbers, Math.max(1, groups.size()))
                .mapPartitionsWithIndex((index, it) -> {
                    List<RawObject> mine = new ArrayList<>();
                    it.forEachRemaining(g -> mine.addAll(shared.value().get(g)));
                    return new RawObjectParser(store, java8Time).call(index, mine.iterator());
                }, false);
        return spark.createDataFrame(rows, ParsedRecords.SCHEMA)
                .sortWithinPartitions(col("kind"), col("event_name"))
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * Groups objects into tasks of similar total size (largest first onto the lightest task), at least
     * {@code parallelism} tasks when there are enough objects.
     */
    static List<List<RawObject>> balance(List<RawObject> objects, int parallelism) {
        long total = objects.stream().mapToLong(o -> Math.max(1, o.size())).sum();
        int tasks = (int) Math.min(objects.size(), Math.max(parallelism, (total + BYTES_PER_TASK - 1) / BYTES_PER_TASK));
        List<List<RawObject>> groups = new ArrayList<>();
        if (tasks == 0) {
            return groups;
        }
        PriorityQueue<long[]> load = new PriorityQueue<>(Comparator.<long[]>comparingLong(a -> a[0])
                .thenComparingLong(a -> a[1]));
        for (int i = 0; i < tasks; i++) {
            groups.add(new ArrayList<>());
            load.add(new long[]{0, i});
        }
        List<RawObject> bySize = new ArrayList<>(objects);
        bySize.sort(Comparator.comparingLong(RawObject::size).reversed().thenComparing(RawObject::path));
        for (RawObject o : bySize) {
            long[] lightest = load.poll();
            groups.get((int) lightest[1]).add(o);
            lightest[0] += Math.max(1, o.size());
            load.add(lightest);
        }
        return groups;
    }
}
