package org.canvaslake.events;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;

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
     * Cached bytes per stored byte of a gzip object: landed envelopes take about this many times their compressed size
     * in Spark's cache (parsed rows, the redacted JSON, the raw text of quarantined lines). Measured (2026-12-06): the
     * benchmark's input, 1,903 MB cached for 263 MB of gzip (7.2 times); 200,000 sandbox events, 420 MB for 59.5 MB
     * (7.1 times). The run log says what each batch took.
     */
    static final double CACHE_PER_GZIP_BYTE = 8;
    /**
     * The same for a plain (uncompressed) object: those 200,000 sandbox events gunzipped, 465 MB cached for 334 MB
     * (1.4 times). Counting plain objects at the gzip rate would make their batches five times smaller than memory
     * allows.
     */
    static final double CACHE_PER_PLAIN_BYTE = 1.5;
    /**
     * The share of Spark's storage memory a batch may fill: the rest is for the writes' sorts, which share that memory
     * and push cached blocks to disk when they need it. With a 6 GB driver this reads the 1M-event benchmark's
     * 296 MB of gzip in one batch (2.2 GB cached, which fits without spilling).
     */
    static final double STORAGE_SHARE = 0.75;
    /**
     * The smallest automatic batch, in cached bytes (64 MB of gzip): below this, a batch's fixed cost (a commit per
     * table) outweighs its events.
     */
    static final long MIN_AUTO_CACHE_BYTES = 512L * 1024 * 1024;

    /**
     * What one batch may hold: at most {@code limit} bytes, each object counting {@link #weight} toward it.
     *
     * @param asStored true when objects count their stored size ({@code --batch-mb} given), false when they count the
     *                 bytes they are expected to take in Spark's cache ({@code auto})
     */
    record Budget(long limit, boolean asStored) {

        /** {@code --batch-mb} given: objects count their size as stored (gzip compressed). */
        static Budget stored(long bytes) {
            return new Budget(bytes, true);
        }

        /** {@code --batch-mb auto}: objects count their expected bytes in Spark's cache, up to a share of it. */
        static Budget cache(long storageBytes) {
            return new Budget(Math.max(MIN_AUTO_CACHE_BYTES, (long) (storageBytes * STORAGE_SHARE)), false);
        }

        long weight(RawObject o) {
            return asStored ? o.size() : cachedBytes(o);
        }
    }

    private RunBatches() {
    }

    /**
     * The objects in path order (for the lander's layout: by date and hour of receipt), cut into consecutive batches
     * within {@code budget} (an object bigger than it is a batch alone). A batch ends at a folder's end where
     * one falls in its second half: redeliveries land close together, mostly in one hour's folder, and when two
     * copies of an event are read in one batch the run keeps the earlier-received at no cost, while a copy that
     * arrived earlier but is read in a later batch makes that batch MERGE instead of append (3M benchmark events in
     * batches cut anywhere: one batch spent a minute on such MERGEs).
     */
    static List<List<RawObject>> split(List<RawObject> objects, Budget budget) {
        long maxBytes = budget.limit();
        List<RawObject> sorted = objects.stream().sorted(Comparator.comparing(RawObject::path)).toList();
        List<List<RawObject>> batches = new ArrayList<>();
        int start = 0;
        long bytes = 0;
        // where the current batch's last folder begins, and the batch's bytes (by the budget's weight) before it
        int folderStart = 0;
        long bytesBeforeFolder = 0;
        for (int i = 0; i < sorted.size(); i++) {
            RawObject o = sorted.get(i);
            boolean newFolder = i > 0 && !folder(o).equals(folder(sorted.get(i - 1)));
            // twice at most: what a cut at a folder's end carries over may still not leave room for o
            long weight = budget.weight(o);
            while (i > start && bytes + weight > maxBytes) {
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
            bytes += weight;
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

    /**
     * The bytes an object is expected to take in Spark's cache: gzip or plain by its name ({@code .gz}, as the lander
     * and Firehose name compressed objects). A gzip object without the suffix is read all the same and only counted as
     * plain: its batch comes out smaller, never bigger, than memory allows.
     */
    static long cachedBytes(RawObject o) {
        String name = o.path().toLowerCase(Locale.ROOT);
        boolean gzip = name.endsWith(".gz") || name.endsWith(".gzip");
        return (long) Math.ceil(o.size() * (gzip ? CACHE_PER_GZIP_BYTE : CACHE_PER_PLAIN_BYTE));
    }

    /** The budget to use: {@code --batch-mb} when given, else one sized by this session's storage memory. */
    static Budget budget(OptionalLong given, SparkSession spark) {
        return given.isPresent() ? Budget.stored(given.getAsLong()) : Budget.cache(storageMemory(spark));
    }

    /**
     * The memory Spark can cache in, over the block managers that run tasks: the executors, or the driver alone in
     * local mode. Executors that dynamic allocation has not started yet are not counted; when none has, the driver's
     * own storage memory stands in (Glue's and EMR's drivers are about the size of an executor).
     */
    static long storageMemory(SparkSession spark) {
        Map<String, Long> byBlockManager = new HashMap<>();
        JavaConverters.mapAsJavaMap(spark.sparkContext().getExecutorMemoryStatus())
                .forEach((hostPort, maxAndRemaining) -> byBlockManager.put(hostPort, (Long) maxAndRemaining._1()));
        return storageMemory(byBlockManager, SparkEnv.get().blockManager().blockManagerId().hostPort());
    }

    /**
     * {@link #storageMemory(SparkSession)} over Spark's answer: the most each block manager (by host:port) can cache,
     * summed over the executors; the driver's ({@code driver}) counts only when it is the only one.
     */
    static long storageMemory(Map<String, Long> maxByBlockManager, String driver) {
        long total = 0;
        for (Map.Entry<String, Long> e : maxByBlockManager.entrySet()) {
            if (maxByBlockManager.size() == 1 || !e.getKey().equals(driver)) {
                total += e.getValue();
            }
        }
        return total;
    }
}
