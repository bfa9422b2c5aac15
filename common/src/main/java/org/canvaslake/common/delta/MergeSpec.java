package org.canvaslake.common.delta;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How source rows meet target rows in a MERGE.
 *
 * @param keys         columns that identify a row (the ON clause)
 * @param deleteMarker optional source column; where it is true the matching target row is deleted and the source
 *                     row is never inserted. The column itself is not written to the table.
 * @param updateWhen   optional condition (SQL over {@code s.} and {@code t.}) for updating a matched row, e.g.
 *                     {@code s.ts > t.ts}; empty means "when any written column differs" so an identical re-run
 *                     rewrites nothing
 * @param partitionBy  partition columns when MERGE has to create the table
 * @param compareIgnoring columns left out of the "any column differs" comparison (e.g. a load timestamp)
 * @param targetFilter optional condition on the target ({@code t.}) added to the ON clause so that MERGE reads
 *                     only the partitions the source can touch, e.g. {@code t.dt IN ('2026-08-24')}; it must hold
 *                     for every target row a source row could match
 * @param appendWhenNoneMatch first check whether any source row meets a target row at all, and when none does,
 *                     append instead of MERGE (see {@link #appendingWhenNoKeyMatches()})
 */
public record MergeSpec(List<String> keys, Optional<String> deleteMarker, Optional<String> updateWhen,
                        List<String> partitionBy, List<String> compareIgnoring, Optional<String> targetFilter,
                        boolean appendWhenNoneMatch) {

    public MergeSpec(List<String> keys, Optional<String> deleteMarker, Optional<String> updateWhen,
                     List<String> partitionBy, List<String> compareIgnoring) {
        this(keys, deleteMarker, updateWhen, partitionBy, compareIgnoring, Optional.empty(), false);
    }

    public MergeSpec {
        Objects.requireNonNull(keys, "keys");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("MERGE needs at least one key column");
        }
        keys = List.copyOf(keys);
        partitionBy = List.copyOf(partitionBy);
        compareIgnoring = List.copyOf(compareIgnoring);
        Objects.requireNonNull(targetFilter, "targetFilter");
    }

    public static MergeSpec on(String... keys) {
        return new MergeSpec(List.of(keys), Optional.empty(), Optional.empty(), List.of(), List.of());
    }

    public MergeSpec deleteWhere(String markerColumn) {
        return new MergeSpec(keys, Optional.of(markerColumn), updateWhen, partitionBy, compareIgnoring, targetFilter,
                appendWhenNoneMatch);
    }

    public MergeSpec updateWhen(String condition) {
        return new MergeSpec(keys, deleteMarker, Optional.of(condition), partitionBy, compareIgnoring, targetFilter,
                appendWhenNoneMatch);
    }

    public MergeSpec partitionBy(String... columns) {
        return new MergeSpec(keys, deleteMarker, updateWhen, List.of(columns), compareIgnoring, targetFilter,
                appendWhenNoneMatch);
    }

    public MergeSpec ignoringInComparison(String... columns) {
        return new MergeSpec(keys, deleteMarker, updateWhen, partitionBy, List.of(columns), targetFilter,
                appendWhenNoneMatch);
    }

    /** Restricts the target rows MERGE reads (partition pruning); see {@link #targetFilter()}. */
    public MergeSpec targetFilter(String condition) {
        return new MergeSpec(keys, deleteMarker, updateWhen, partitionBy, compareIgnoring, Optional.of(condition),
                appendWhenNoneMatch);
    }

    /**
     * For sources that are mostly new rows (live events, ledgers): look first whether any source key is in the
     * target (within {@link #targetFilter()}), and when none is, append the rows instead of running MERGE. The table
     * ends up the same, in one commit, but an append costs a fraction of a Delta MERGE's fixed cost (its extra jobs
     * and snapshot scans), which dominates small hourly runs. A source with matches pays a second narrow read of just
     * those keys: when MERGE would leave every one of them unchanged (e.g. a later copy of a stored event), they are
     * left out and the rest is appended; otherwise it is MERGEd as usual.
     */
    public MergeSpec appendingWhenNoKeyMatches() {
        return new MergeSpec(keys, deleteMarker, updateWhen, partitionBy, compareIgnoring, targetFilter, true);
    }
}
