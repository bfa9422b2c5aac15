package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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

/**
 * {@code _meta.events_ledger}: which raw objects have been compacted, by which run, with what they held. Written
 * only after every table of the run is committed, so a crash in between makes the next run read those objects again
 * (and MERGE makes that harmless). Objects are immutable once landed (a retried lander batch rewrites the same
 * messages under the same name), so the path identifies an object.
 */
public final class EventsLedger {

    public static final String NAME = "_meta.events_ledger";

    static final StructType SCHEMA = new StructType()
            .add("object", DataTypes.StringType, false)
            .add("size", DataTypes.LongType)
            .add("modified_at", DataTypes.TimestampType)
            .add("lines", DataTypes.LongType)
            .add("events", DataTypes.LongType)
            .add("quarantined", DataTypes.LongType)
            .add("run_id", DataTypes.StringType)
            .add("compacted_at", DataTypes.TimestampType);

    private final SparkSession spark;
    private final String path;

    public EventsLedger(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.path = lake.table(NAME);
    }

    /** When the ledger last recorded objects, as {@link #compacted} read it; empty before it is read or written. */
    private Optional<Instant> lastRecorded = Optional.empty();

    /**
     * The objects already compacted whose path sorts at or after {@code from} and before {@code until} (a bound that is
     * null is open): what the ledger holds of the date folders a run listed, without bringing the rest to the driver.
     * As a side effect, {@link #lastRecorded} becomes the latest time any of them was recorded.
     */
    public Set<String> compacted(String from, String until) {
        if (!DeltaTables.exists(spark, path)) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        Instant last = lastRecorded.orElse(null);
        for (Row r : between(from, until).select(col("object"), col("compacted_at")).collectAsList()) {
            out.add(r.getString(0));
            Instant at = r.isNullAt(1) ? null : SparkTime.instant(r.get(1));
            if (at != null && (last == null || at.isAfter(last))) {
                last = at;
            }
        }
        lastRecorded = Optional.ofNullable(last);
        return out;
    }

    /** The greatest path of a compacted object at or after {@code from} and before {@code until}, if there is one. */
    public Optional<String> last(String from, String until) {
        if (!DeltaTables.exists(spark, path)) {
            return Optional.empty();
        }
        Row r = between(from, until).agg(functions.max(col("object"))).first();
        return r.isNullAt(0) ? Optional.empty() : Optional.of(r.getString(0));
    }

    private Dataset<Row> between(String from, String until) {
        Dataset<Row> ledger = DeltaTables.read(spark, path);
        if (from != null) {
            ledger = ledger.where(col("object").geq(from));
        }
        return until == null ? ledger : ledger.where(col("object").lt(until));
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
        Set<String> done = compacted(null, null);
        return listed.stream().filter(o -> !done.contains(o.path())).toList();
    }

    /** Records the objects as compacted (replacing the whole ledger when {@code full}). Returns rows written. */
    public long record(List<ParseSummary.ObjectRead> objects, String runId, boolean full) {
        Timestamp now = Timestamp.from(Instant.now());
        List<Row> rows = new ArrayList<>();
        for (ParseSummary.ObjectRead o : objects) {
            rows.add(RowFactory.create(o.path(), o.size(), Timestamp.from(o.modifiedAt()), o.lines(), o.events(),
                    o.quarantined(), runId, now));
        }
        // a run's ledger rows are few: one file, not one per core
        Dataset<Row> data = spark.createDataFrame(rows, SCHEMA).coalesce(1);
        if (full) {
            DeltaTables.overwrite(data, path, List.of());
            return rows.size();
        }
        if (!DeltaTables.exists(spark, path)) {
            DeltaTables.append(data, path, List.of());
            return rows.size();
        }
        // the objects are the pending ones, which the ledger did not hold when this run listed them: an append,
        // unless another run recorded some meanwhile (then MERGE). The check reads only the object column.
        MergeResult r = DeltaTables.merge(spark, data, path,
                MergeSpec.on("object").ignoringInComparison("run_id", "compacted_at").appendingWhenNoKeyMatches());
        return r.inserted() + r.updated();
    }
}
