package org.canvaslake.common.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkTest.class)
class RunLogTest {

    @Test
    void reportsAreAppendedToMetaRunsAndQueryableByName(SparkSession spark, @TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        RunReport ok = new RunReport("events", "r1", Instant.parse("2026-11-01T10:00:00Z"))
                .count("events.live_stream", "inserted", 3).finish();
        RunReport bad = new RunReport("canvas", "r2", Instant.parse("2026-11-02T10:00:00Z"))
                .fail("course 7", "HTTP 404").finish();
        RunLog.append(spark, lake, ok);
        RunLog.append(spark, lake, bad);

        assertThat(LakeCatalog.registerAll(spark, lake)).containsExactly("_meta.runs");
        List<Row> rows = spark.sql("SELECT run_id, job, status, failures, cast(dt as string) FROM _meta.runs ORDER BY run_id")
                .collectAsList();
        assertThat(rows).extracting(Row::toString)
                .containsExactly("[r1,events,succeeded,0,2026-11-01]", "[r2,canvas,failed,1,2026-11-02]");
        String report = spark.sql("SELECT report FROM _meta.runs WHERE run_id = 'r1'").first().getString(0);
        assertThat(report).contains("\"inserted\":3");
    }
}
