package org.canvaslake.events;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;

import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * How a run's raw objects are split into batches ({@code --batch-mb}). A run parses its objects into Spark's cache and
 * writes every table from it, so what one batch holds must fit the memory Spark keeps for caching: a backlog or a
 * {@code --full} rebuild bigger than that would spill the cache to disk and spend its time collecting garbage (3M
 * benchmark events, 930 MB of gzip, on a 6 GB local driver: 0.10 of the floor against 0.13 at 1M). Each batch is
 * parsed, written and recorded in the ledger before the next is read, so a run that stops part way keeps the
 * batches it finished.
 */
final class RunBatches {

    /**
     * Cached bytes per raw byte: a gzip object of landed envelopes takes about this many times its size in Spark's
     * cache (parsed rows, the redacted JSON, the raw text of quarantined lines). Measured on the benchmark's input
     * (2026-12-06): 1,903 MB cached for 263 MB of gzip, 7.2 times; the run log says it for every batch.
     */
    static final long CACHE_BYTES_PER_RAW_BYTE = 8;
    /**
     * The share of Spark's storage memory a batch may fill: the rest is for the writes' sorts, which share that memory
     * and push cached blocks to disk when they need it. With a 6 GB driver this reads the 1M-event benchmark's
     * 296 MB in one batch (2.2 GB cached, which fits without spilling).
     */
    static final double STORAGE_SHARE = 0.75;
    /** The smallest automatic batch: below this, a batch's fixed cost (a commit per table) outweighs its events. */
    static final long MIN_AUTO_BYTES = 64L * 1024 * 1024;

    private RunBatches() {
    }

    /**
     * The objects in path order (for the lander's layout: by date and hour of receipt), cut into consecutive batches
     * of at most {@code maxBytes} (an object bigger than that is a batch alone). A batch ends at a folder's end where
     * one falls in its second half: redeliveries land close together, mostly in one hour's folder, and when two
     * copies of an event are read in one batch the run keeps the earlier-received at no cost, while a copy that
     * arrived earlier but is read in a later batch makes that batch MERGE instead of append (3M benchmark events in
     * batches cut anywhere: one batch spent a minute on such MERGEs).
     */
    static List<List<RawObject>> split(List<RawObject> objects, long maxBytes) {
        List<RawObject> sorted = objects.stream().sorted(Comparator.comparing(RawObject::path)).toList();
        List<List<RawObject>> batches = new ArrayList<>();
        int start = 0;
        long bytes = 0;
        // where the current batch's last folder begins, and the batch's bytes before it
        int folderStart = 0;
        long bytesBeforeFolder = 0;
        for (int i = 0; i < sorted.size(); i++) {
            RawObject o = sorted.get(i);
            boolean newFolder = i > 0 && !folder(o).equals(folder(sorted.get(i - 1)));
            // twice at most: what a cut at a folder's end carries over may still not leave room for o
            while (i > start && bytes + o.size() > maxBytes) {
                // o starting a folder of its own: the batch ends at a folder's end here anyway
                int cut = !newFolder && folderStart > start && bytesBeforeFolder >= maxBytes / 2 ? folderStart : i;
                batches.add(sorted.subList(start, cut));
                start = cut;
                // what the last folder holds so far is carried over, or nothing
                bytes = cut == i ? 0 : bytes - bytesBeforeFolder;
                folderStart = start;
                bytesBeforeFolder = 0;
            }
            if (i > start && newFolder) {
                folderStart = i;
                bytesBeforeFolder = bytes;
            }
            bytes += o.size();
        }
        if (start < sorted.size()) {
            batches.add(sorted.subList(start, sorted.size()));
        }
        return batches;
    }

    /** The objects' bytes together. */
    static long bytes(List<RawObject> objects) {
        return objects.stream().mapToLong(RawObject::size).sum();
    }

    private static String folder(RawObject o) {
        return o.path().substring(0, Math.max(0, o.path().lastIndexOf('/')));
    }

    /** The batch size to use: {@code --batch-mb} when given, else {@link #auto} for this session. */
    static long maxBytes(OptionalLong given, SparkSession spark) {
        return given.isPresent() ? given.getAsLong() : auto(storageMemory(spark));
    }

    /** The automatic batch size for {@code storageBytes} of Spark storage memory. */
    static long auto(long storageBytes) {
        return Math.max(MIN_AUTO_BYTES, (long) (storageBytes * STORAGE_SHARE / CACHE_BYTES_PER_RAW_BYTE));
    }

    /**
     * The memory Spark can cache in, over the block managers that run tasks: the executors, or the driver alone in
     * local mode. Executors that dynamic allocation has not started yet are not counted; when none has, the driver's
     * own storage memory stands in (Glue's and EMR's drivers are about the size of an executor).
     */
    static long storageMemory(SparkSession spark) {
        Map<String, Tuple2<Object, Object>> status =
                JavaConverters.mapAsJavaMap(spark.sparkContext().getExecutorMemoryStatus());
        String driver = SparkEnv.get().blockManager().blockManagerId().hostPort();
        long total = 0;
        for (Map.Entry<String, Tuple2<Object, Object>> e : status.entrySet()) {
            if (status.size() == 1 || !e.getKey().equals(driver)) {
                total += (Long) e.getValue()._1();
            }
        }
        return total;
    }
}
