package org.canvaslake.mirror.lake;

import java.util.OptionalLong;

/** Which Delta version of each lake table the target database holds: kept in the target, so they travel together. */
public interface MirrorState {

    OptionalLong version(String lakeTable);

    void save(String lakeTable, String targetTable, long version, String runId);
}
