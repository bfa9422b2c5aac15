package org.canvaslake.mirror.lake;

import java.util.OptionalLong;

import org.canvaslake.common.lake.Lake;

/**
 * Which Delta version of a lake table a target table holds: kept in the target database, so they travel together.
 * Keyed by the target table (one target table holds one source at one version), with the source's path checked too:
 * the same lake table mirrored into a second schema, or a second lake mirrored into the same table, starts in full
 * instead of believing it is up to date. The path is compared in {@link Lake#recordedForm}: a lake given once as
 * {@code s3a://} and once as {@code s3://} is one lake.
 */
public interface MirrorState {

    /** The version last mirrored from {@code sourcePath} into {@code targetTable}, if that is what the target holds. */
    OptionalLong version(String sourcePath, String targetTable);

    void save(String lakeTable, String sourcePath, String targetTable, long version, String runId);
}
