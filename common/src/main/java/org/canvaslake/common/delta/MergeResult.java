package org.canvaslake.common.delta;

import java.util.List;

/** What a MERGE did to its target, read from the Delta commit's own metrics. */
public record MergeResult(long inserted, long updated, long deleted, List<String> addedColumns) {

    public static MergeResult nothing() {
        return new MergeResult(0, 0, 0, List.of());
    }

    public long changed() {
        return inserted + updated + deleted;
    }
}
