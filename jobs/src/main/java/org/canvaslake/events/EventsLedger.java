package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeResult;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.lake.Lake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.delta.tables.DeltaTable;

/**
 * {@code _meta.events_ledger}: which raw objects have been compacted, by which run, with what they held. Written
 * only after every table of the run is committed, so a crash in between makes the next run read those objects again
 * (and MERGE makes that harmless). Objects are immutable once landed (a retried lander batch rewrites the same
 * messages under the same name), so the path identifies an object.
 *
 * <p>Partitioned by {@code dt}, the date of the object's {@code dt=YYYY-MM-DD} folder (null for objects in any other
 * layout): an hourly run reads the ledger's rows of the recent folders only ({@link PendingObjects}), and a year of
 * history holds tens of millions of rows. Without the partitions every run read the whole {@code object} column:
 * Delta's file statistics keep 32 characters of a string, less than the path the objects share, so they skip no
 * file. A ledger written before it had partitions is rewritten with them once, in one commit, by the first run that
 * reads it.
 */
public final class EventsLedger {

    private static final Logger LOG = LoggerFactory.getLogger(EventsLedger.class);

    public static final String NAME = "_meta.events_ledger";

    /**
     * How a ledger commit says which version of {@code events.live_stream} its run had finished with (every table of
     * its batches written): the commit's user metadata, {@code live_stream_version=<V>}. The product job reads the
     * live stream up to it ({@link #finishedLiveStreamVersion}), never into a batch whose per-type tables are still
     * being written.
     */
    private static final String LIVE_STREAM_VERSION = "live_stream_version=";
    /** Delta's session setting for the user metadata of the commits made while it is set. */
    private static final String COMMIT_METADATA = "spark.databricks.delta.commitInfo.userMetadata";
    /** How far back in the ledger's history to look for a commit that says so (later ones are its OPTIMIZE). */
    private static final int COMMITS_SEARCHED = 64;

    static final StructType SCHEMA = new StructType()
            .add("object", DataTypes.StringType, false)
            .add("size", DataTypes.LongType)
            .add("modified_at", DataTypes.TimestampType)
            .add("lines", DataTypes.LongType)
            .add("events", DataTypes.LongType)
            .add("quarantined", DataTypes.LongType)
            .add("run_id", DataTypes.StringType)
            .add("compacted_at", DataTypes.TimestampType)
            .add("dt", DataTypes.DateType);

    private static final String FOLDER_DATE = "dt";
    private static final List<String> PARTITION = List.of(FOLDER_DATE);
    /** How many days of partitions {@link #last} reads at a time. */
    static final int LAST_STEP_DAYS = 31;

    private final SparkSession spark;
    private final String path;
    /** Whether this instance saw the ledger partitioned already (or made it so). */
    private boolean partitioned;

    public EventsLedger(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.path = lake.table(NAME);
    }

    /** When the ledger last recorded objects, as {@link #compacted} read it; empty before it is read or written. */
    private Optional<Instant> lastRecorded = Optional.empty();
    /**
     * The ledger's version when this run first read it, then after each of its records; -1 before (or when the ledger
     * did not exist then). A commit of another run since then is what makes {@link #record} look for objects recorded
     * twice.
     */
    private long seenVersion = -1;

    /**
     * The objects already compacted in the date folders from {@code from} on and before {@code until} (null: every
     * later folder): what the ledger holds of the folders a run listed, read from their partitions alone. As a side
     * effect, {@link #lastRecorded} becomes the latest time any of them was recorded.
     */
    public Set<String> compacted(RawObjectStore.DateFolders folders, LocalDate from, LocalDate until) {
        return compacted(Optional.of(inFolders(folders, from, until)));
    }

    /**
     * The ledger's rows of objects in the date folders from {@code from} on (null: any) and before {@code until}
     * (null: any): a condition on the partitions, which is what spares the others, and on the paths.
     */
    private static Column inFolders(RawObjectStore.DateFolders folders, LocalDate from, LocalDate until) {
        Column at = col(FOLDER_DATE).isNotNull()
                .and(col("object").geq(from == null ? folders.prefix() : folders.at(from)))
                .and(col("object").lt(until == null ? folders.end() : folders.at(until)));
        at = from == null ? at : at.and(col(FOLDER_DATE).geq(Date.valueOf(from)));
        return until == null ? at : at.and(col(FOLDER_DATE).lt(Date.valueOf(until)));
    }

    private Set<String> compacted(Optional<Column> where) {
        if (!exists()) {
            return Set.of();
        }
        noteVersion();
        Set<String> out = new HashSet<>();
        Instant last = lastRecorded.orElse(null);
        Dataset<Row> ledger = DeltaTables.read(spark, path);
        ledger = where.map(ledger::where).orElse(ledger);
        for (Row r : ledger.select(col("object"), col("compacted_at")).collectAsList()) {
            out.add(r.getString(0));
            Instant at = r.isNullAt(1) ? null : SparkTime.instant(r.get(1));
            if (at != null && (last == null || at.isAfter(last))) {
                last = at;
            }
        }
        lastRecorded = Optional.ofNullable(last);
        return out;
    }

    /**
     * The greatest path of a compacted object in the date folders before {@code before}, if there is one. Read newest
     * first, a {@link #LAST_STEP_DAYS} days' span of partitions at a time, stopping at the first span that holds one:
     * after a pause of a few weeks that is one or two spans, not the whole history.
     *
     * @param before the first folder date not to read (the caller found nothing compacted from there on); null: read
     *               up to the newest folder
     */
    public Optional<String> last(RawObjectStore.DateFolders folders, LocalDate before) {
        if (!exists()) {
            return Optional.empty();
        }
        noteVersion();
        LocalDate until = before;
        while (true) {
            LocalDate from = (until == null ? folders.newest() : until).minusDays(LAST_STEP_DAYS);
            // the last span reaches back past the oldest folder, and past it to anything older
            boolean oldest = !from.isAfter(folders.byDate().firstKey());
            Row r = DeltaTables.read(spark, path).where(inFolders(folders, oldest ? null : from, until))
                    .agg(functions.max(col("object"))).first();
            if (!r.isNullAt(0)) {
                return Optional.of(r.getString(0));
            }
            if (oldest) {
                return Optional.empty();
            }
            until = from;
        }
    }

    /**
     * When the previous run recorded its objects (the latest {@code compacted_at} of what {@link #compacted} read of
     * the ledger); empty for a new ledger.
     */
    public Optional<Instant> lastRecorded() {
        return lastRecorded;
    }

    /** The objects of {@code listed} not compacted yet (the whole ledger read). */
    public List<RawObject> pending(List<RawObject> listed) {
        Set<String> done = compacted(Optional.empty());
        return listed.stream().filter(o -> !done.contains(o.path())).toList();
    }

    /**
     * What {@link #record} did: the ledger rows it wrote, and the objects of the run that another run recorded too, by
     * that run's id (empty unless two events runs compacted the same objects at once).
     */
    public record Recorded(long written, Map<String, Long> alsoRecordedBy) {
    }

    /** Records the objects as compacted (replacing the whole ledger when {@code full}). */
    public Recorded record(List<ParseSummary.ObjectRead> objects, String runId, boolean full) {
        return record(objects, runId, full, OptionalLong.empty());
    }

    /**
     * Records the objects as compacted, the commit naming the version of {@code events.live_stream} the run finished
     * with ({@link #LIVE_STREAM_VERSION}; none when the run wrote no live stream).
     */
    public Recorded record(List<ParseSummary.ObjectRead> objects, String runId, boolean full,
                           OptionalLong liveStreamVersion) {
        if (liveStreamVersion.isEmpty()) {
            return write(objects, runId, full);
        }
        Map<String, String> before = EventsJob.apply(spark,
                Map.of(COMMIT_METADATA, LIVE_STREAM_VERSION + liveStreamVersion.getAsLong()));
        try {
            return write(objects, runId, full);
        } finally {
            EventsJob.restore(spark, before);
        }
    }

    private Recorded write(List<ParseSummary.ObjectRead> objects, String runId, boolean full) {
        Timestamp now = Timestamp.from(Instant.now());
        boolean java8 = SparkTime.java8(spark);
        List<Row> rows = new ArrayList<>();
        for (ParseSummary.ObjectRead o : objects) {
            rows.add(RowFactory.create(o.path(), o.size(), Timestamp.from(o.modifiedAt()), o.lines(), o.events(),
                    o.quarantined(), runId, now, folderDate(o.path(), java8)));
        }
        // a run's ledger rows are few: one file per folder date, not one per core
        Dataset<Row> data = spark.createDataFrame(rows, SCHEMA).coalesce(1);
        if (full) {
            DeltaTables.overwrite(data, path, PARTITION);
            partitioned = true;
            seenVersion = DeltaTables.latestVersion(spark, path);
            return new Recorded(rows.size(), Map.of());
        }
        long written;
        long own;
        boolean created = !exists();
        if (created) {
            // a run creating the ledger at the same moment makes one of the two commits fail (a conflict on creation)
            DeltaTables.append(data, path, PARTITION);
            written = rows.size();
            own = 1;
        } else {
            // the objects are the pending ones, which the ledger did not hold when this run listed them: an append,
            // unless another run recorded some meanwhile (then MERGE). The check reads only the object column of
            // the partitions of these objects' folders.
            MergeResult r = DeltaTables.merge(spark, data, path, MergeSpec.on("object")
                    .ignoringInComparison("run_id", "compacted_at").partitionBy(FOLDER_DATE)
                    .targetFilter(partitionsOf(objects)).appendingWhenNoKeyMatches());
            written = r.inserted() + r.updated();
            own = r.changed() > 0 ? 1 : 0;
        }
        // asked after this run's own commit: of two runs that commit at the same moment (two appends, which Delta
        // lets both through), the one that asks last sees the other's commit. With no other run, the log ends at
        // the version this run read plus its own commit (if it made one); a commit past that is another run's.
        if (seenVersion >= 0 && !DeltaTables.hasVersion(spark, path, seenVersion + own + 1)) {
            seenVersion += own;
            return new Recorded(written, Map.of());
        }
        long version = DeltaTables.latestVersion(spark, path);
        boolean alone = seenVersion < 0 && created && version == 0;
        seenVersion = version;
        if (alone) {
            return new Recorded(written, Map.of());
        }
        LOG.info("{}: at version {}, with commits of other runs since this run read it: looking for objects they"
                + " recorded too", NAME, version);
        return new Recorded(written, recordedByOthers(data, objects, runId));
    }

    /** Remembers the ledger's version the first time this run reads it. */
    private void noteVersion() {
        if (seenVersion < 0) {
            seenVersion = DeltaTables.latestVersion(spark, path);
        }
    }

    /**
     * The runs other than {@code runId} that recorded any of the objects, with how many each. Asked only when the
     * ledger got commits of others since this run read it. Reads the object and run columns of the objects' folder
     * partitions.
     */
    private Map<String, Long> recordedByOthers(Dataset<Row> data, List<ParseSummary.ObjectRead> objects,
                                               String runId) {
        Dataset<Row> mine = data.select(col("object"));
        Map<String, Long> others = new TreeMap<>();
        for (Row r : DeltaTables.read(spark, path).as("t").where(functions.expr(partitionsOf(objects)))
                .where(col("run_id").isNull().or(col("run_id").notEqual(runId)))
                .join(functions.broadcast(mine), "object").groupBy("run_id").count().collectAsList()) {
            others.put(r.isNullAt(0) ? "(no run id)" : r.getString(0), r.getLong(1));
        }
        return others;
    }

    /**
     * The date of the object's folder, as the ledger's partition value in a row ({@link SparkTime#date}); null outside
     * the lander's layout.
     */
    private static Object folderDate(String objectPath, boolean java8) {
        return RawObjectStore.objectFolderDate(objectPath).map(d -> SparkTime.date(d, java8)).orElse(null);
    }

    /** A condition on the ledger ({@code t.}) that holds for the partitions the objects' rows are in. */
    static String partitionsOf(List<ParseSummary.ObjectRead> objects) {
        TreeSet<String> dates = new TreeSet<>();
        boolean undated = false;
        for (ParseSummary.ObjectRead o : objects) {
            Optional<LocalDate> d = RawObjectStore.objectFolderDate(o.path());
            d.ifPresent(date -> dates.add("DATE'" + date + "'"));
            undated |= d.isEmpty();
        }
        List<String> any = new ArrayList<>();
        if (!dates.isEmpty()) {
            any.add("t." + FOLDER_DATE + " IN (" + String.join(", ", dates) + ")");
        }
        if (undated) {
            any.add("t." + FOLDER_DATE + " IS NULL");
        }
        return any.isEmpty() ? "FALSE" : String.join(" OR ", any);
    }

    /**
     * Whether the ledger exists; when it does and was written before the ledger had partitions, rewrites it with them
     * first (once, in one commit: a crash leaves the old ledger as it was).
     */
    private boolean exists() {
        if (!DeltaTables.exists(spark, path)) {
            return false;
        }
        if (partitioned) {
            return true;
        }
        Dataset<Row> old = DeltaTables.read(spark, path);
        if (!Arrays.asList(old.columns()).contains(FOLDER_DATE)) {
            long start = System.nanoTime();
            String[] kept = Arrays.stream(SCHEMA.fieldNames()).filter(c -> !c.equals(FOLDER_DATE))
                    .toArray(String[]::new);
            boolean java8 = SparkTime.java8(spark);
            Dataset<Row> rows = spark.createDataFrame(old.select(kept[0], Arrays.copyOfRange(kept, 1, kept.length))
                    .javaRDD().map(r -> withFolderDate(r, java8)), SCHEMA);
            DeltaTables.overwrite(rows, path, PARTITION);
            LOG.info("events: {} rewritten partitioned by the date of each object's folder (once; {} ms)", NAME,
                    (System.nanoTime() - start) / 1_000_000);
        }
        partitioned = true;
        return true;
    }

    private static Row withFolderDate(Row r, boolean java8) {
        Object[] values = new Object[r.size() + 1];
        for (int i = 0; i < r.size(); i++) {
            values[i] = r.get(i);
        }
        values[r.size()] = folderDate(r.getString(0), java8);
        return RowFactory.create(values);
    }

    /**
     * The version of {@code events.live_stream} that the last recorded events run had finished with (see
     * {@link #LIVE_STREAM_VERSION}); empty when the lake has no ledger, or none of its recent commits says (a ledger
     * an older release wrote).
     */
    public static OptionalLong finishedLiveStreamVersion(SparkSession spark, Lake lake) {
        String path = lake.table(NAME);
        if (!DeltaTables.exists(spark, path)) {
            return OptionalLong.empty();
        }
        for (Row commit : DeltaTable.forPath(spark, path).history(COMMITS_SEARCHED)
                .select("userMetadata").collectAsList()) {  // newest first
            String metadata = commit.isNullAt(0) ? "" : commit.getString(0);
            if (metadata.startsWith(LIVE_STREAM_VERSION)) {
                try {
                    return OptionalLong.of(Long.parseLong(metadata.substring(LIVE_STREAM_VERSION.length())));
                } catch (NumberFormatException e) {
                    LOG.warn("{}: a commit's user metadata '{}' names no version; looking further back", NAME, metadata);
                }
            }
        }
        return OptionalLong.empty();
    }
}
