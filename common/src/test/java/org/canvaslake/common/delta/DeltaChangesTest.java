package org.canvaslake.common.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

@ExtendWith(SparkTest.class)
class DeltaChangesTest {

    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType)
            .add("v", DataTypes.LongType);

    @Test
    void lastChangePerKeyFollowsInsertsUpdatesAndDeletesAcrossCommits(SparkSession spark, @TempDir Path dir)
            throws Exception {
        String path = dir.resolve("t").toUri().toString();
        DeltaTables.append(spark.createDataFrame(List.of(RowFactory.create("a", 1L), RowFactory.create("b", 1L)),
                SCHEMA), path, List.of());
        assertThat(DeltaChanges.enableFeed(spark, path)).isTrue();
        long since = DeltaChanges.currentVersion(spark, path);
        DeltaTables.append(spark.createDataFrame(List.of(RowFactory.create("c", 1L)), SCHEMA), path, List.of());
        DeltaTable.forPath(spark, path).updateExpr("id = 'a'", Map.of("v", "2"));
        DeltaTable.forPath(spark, path).updateExpr("id = 'a'", Map.of("v", "3"));
        DeltaTable.forPath(spark, path).delete("id = 'b'");

        List<Row> last = DeltaChanges.lastChangePerKey(DeltaChanges.changes(spark, path, since + 1,
                DeltaChanges.currentVersion(spark, path)), List.of("id")).orderBy("id").collectAsList();

        assertThat(last).extracting(Row::toString).containsExactly("[a,3,false]", "[b,1,true]", "[c,1,false]");
    }

    @Test
    void versionsWithoutARecordedFeedAreReportedAsUnavailable(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("t").toUri().toString();
        DeltaTables.append(spark.createDataFrame(List.of(RowFactory.create("a", 1L)), SCHEMA), path, List.of());
        DeltaTables.append(spark.createDataFrame(List.of(RowFactory.create("b", 1L)), SCHEMA), path, List.of());
        assertThat(DeltaChanges.feedEnabled(spark, path)).isFalse();

        assertThatThrownBy(() -> DeltaChanges.changes(spark, path, 1, 1))
                .isInstanceOf(DeltaChanges.ChangesUnavailable.class).hasMessageContaining("does not cover versions 1..1");
    }
}
