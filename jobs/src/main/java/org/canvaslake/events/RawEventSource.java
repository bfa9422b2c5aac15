package org.canvaslake.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;

/**
 * The source of the job: raw objects in, cached {@link ParsedRecords} rows out ({@link Parsed}). Objects are spread
 * over tasks by size; each task reads its objects itself and parses them with Jackson into rows of the fixed schema
 * (no schema inference, no per-line Spark JSON).
 *
 * <p>Each task caches its rows as one {@link RowBlock}, grouped by kind and event name, so that building a per-type
 * table reads only its own events.
 */
public final class RawEventSource {

    /** Compressed bytes per parse task: enough work per task, and tasks enough to spread a big run over a cluster. */
    static final long BYTES_PER_TASK = 16L * 1024 * 1024;

    private RawEventSource() {
    }

    /**
     * The parsed rows, cached (as {@link RowBlock}s, one per parse task) until {@link #close}: those of some kinds
     * ({@link #rows}), or the events of some names ({@link #events}, for a per-type table), each read from its own part
     * of the cache.
     */
    public static final class Parsed implements AutoCloseable {
        private final SparkSession spark;
        private final JavaRDD<RowBlock> blocks;

        private Parsed(SparkSession spark, JavaRDD<RowBlock> blocks) {
            this.spark = spark;
            this.blocks = blocks;
        }

        /** The rows of these kinds ({@link ParsedRecords#EVENT}, ...). */
        public Dataset<Row> rows(String... kinds) {
            List<String> selected = List.of(kinds);
            return frame(blocks.flatMap(b -> b.rows(selected)));
        }

        /** The events with one of these names, reading only their own part of the cache. */
        public Dataset<Row> events(Collection<String> eventNames) {
            List<String> names = List.copyOf(eventNames);
            return frame(blocks.flatMap(b -> b.events(names)));
        }

        private Dataset<Row> frame(JavaRDD<InternalRow> rows) {
            return spark.internalCreateDataFrame(rows.rdd(), ParsedRecords.SCHEMA, false);
        }

        @Override
        public void close() {
            blocks.unpersist(false);
        }
    }

    public static Parsed read(SparkSession spark, RawObjectStore store, List<RawObject> objects) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<List<RawObject>> groups = balance(objects, spark.sparkContext().defaultParallelism());
        boolean java8Time = SparkTime.java8(spark);
        // tasks carry a group number, the groups travel once in a broadcast: the cached rows keep their lineage, so
        // an object list inside the partition would be serialised again with every task of every table's write
        Broadcast<List<List<RawObject>>> shared = jsc.broadcast(groups);
        List<Integer> numbers = IntStream.range(0, groups.size()).boxed().toList();
        JavaRDD<RowBlock> blocks = jsc.parallelize(numbers, Math.max(1, groups.size()))
                .mapPartitionsWithIndex((index, it) -> {
                    List<RawObject> mine = new ArrayList<>();
                    it.forEachRemaining(g -> mine.addAll(shared.value().get(g)));
                    Iterator<Row> rows = new RawObjectParser(store, java8Time).call(index, mine.iterator());
                    return List.of(RowBlock.of(rows)).iterator();
                }, false)
                .persist(StorageLevel.MEMORY_AND_DISK());
        return new Parsed(spark, blocks);
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
