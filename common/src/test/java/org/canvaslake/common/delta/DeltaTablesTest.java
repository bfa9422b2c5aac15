package org.canvaslake.common.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.io.FileTrees;
import org.canvaslake.common.testing.RefusingFileSystem;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

@ExtendWith(SparkTest.class)
class DeltaTablesTest {

    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType)
            .add("name", DataTypes.StringType)
            .add("deleted", DataTypes.BooleanType);

    private static Dataset<Row> rows(SparkSession spark, Object[]... values) {
        return spark.createDataFrame(java.util.Arrays.stream(values).map(RowFactory::create).toList(), SCHEMA);
    }

    private static List<String> content(SparkSession spark, String path) {
        return DeltaTables.read(spark, path).orderBy("id").collectAsList().stream()
                .map(r -> r.mkString("|")).toList();
    }

    @Test
    void mergeCreatesUpsertsDeletesAndAnIdenticalRerunChangesNothing(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("t").toUri().toString();
        MergeSpec spec = MergeSpec.on("id").deleteWhere("deleted");

        MergeResult first = DeltaTables.merge(spark, rows(spark,
                new Object[]{1L, "ada", false}, new Object[]{2L, "ben", false}, new Object[]{3L, "gone", true}),
                path, spec);
        assertThat(first.inserted()).isEqualTo(2);
        assertThat(content(spark, path)).containsExactly("1|ada", "2|ben");
        assertThat(DeltaTables.read(spark, path).columns()).containsExactly("id", "name");

        Dataset<Row> second = rows(spark,
                new Object[]{1L, "ada", false}, new Object[]{2L, "benedict", false},
                new Object[]{4L, "chloe", false}, new Object[]{1L, null, true});
        // id 1 appears as an upsert and a delete: MERGE needs one row per key, the delete is the later fact
        Dataset<Row> latest = DeltaTables.latestPerKey(second.withColumn("ord",
                org.apache.spark.sql.functions.when(col("deleted"), 1).otherwise(0)), List.of("id"),
                col("ord").desc()).drop("ord");
        MergeResult r2 = DeltaTables.merge(spark, latest, path, spec);
        assertThat(r2.inserted()).isEqualTo(1);
        assertThat(r2.updated()).isEqualTo(1);
        assertThat(r2.deleted()).isEqualTo(1);
        assertThat(content(spark, path)).containsExactly("2|benedict", "4|chloe");

        long versionBefore = DeltaTable.forPath(spark, path).history(1).first().getLong(0);
        MergeResult again = DeltaTables.merge(spark, latest, path, spec);
        assertThat(again.changed()).isZero();
        assertThat(content(spark, path)).containsExactly("2|benedict", "4|chloe");
        long versionAfter = DeltaTable.forPath(spark, path).history(1).first().getLong(0);
        assertThat(versionAfter).isGreaterThanOrEqualTo(versionBefore);
    }

    /**
     * Every job asks {@link DeltaTables#exists} before it reads or writes a table, and writes a table it is told is not
     * there from scratch (the events and canvas tables append, dap's state starts every table with a snapshot). So a
     * store that cannot answer (403, 503 past the client's retries) must fail the run, not read as "no table here".
     * Delta releases before mid-2024 returned false for it (delta-io/delta#3368 added
     * {@code isDeltaTable.throwOnError}, #3422 turned it on); 3.3 throws unless the flag is turned off, and
     * {@code SparkSessionFactory} pins it on.
     */
    @Test
    void aStoreThatCannotAnswerIsAnErrorNotATableThatIsNotThere(SparkSession spark) {
        try (RefusingFileSystem.Mount refusing = RefusingFileSystem.mount(spark.sparkContext().hadoopConfiguration())) {
            assertThatThrownBy(() -> DeltaTables.exists(spark, "gs://refusing-bucket/lake/events/live_stream"))
                    .hasMessageContaining("refused by the test's store");
        }
    }

    @Test
    void aTableThatAppearedAfterThisJvmFoundNoneIsSeenAndMergedInto(SparkSession spark, @TempDir Path dir)
            throws IOException {
        Path table = dir.resolve("late");
        String path = table.toUri().toString();
        assertThat(DeltaTables.exists(spark, path)).isFalse();
        // a write opens the table's log (cached for the JVM: no table yet); then the table appears without this JVM's
        // Delta knowing: the write's own commit landed while the writer was told it failed, or another process's
        assertThat(DeltaLog.forTable(spark, path).tableExists()).isFalse();
        String elsewhere = dir.resolve("elsewhere").toUri().toString();
        DeltaTables.merge(spark, rows(spark, new Object[]{1L, "ada", false}), elsewhere, MergeSpec.on("id"));
        FileTrees.copy(dir.resolve("elsewhere"), table);

        assertThat(DeltaTables.exists(spark, path)).isTrue();
        // so the next write merges into it rather than writing it anew on top of its rows
        MergeResult merged = DeltaTables.merge(spark, rows(spark, new Object[]{1L, "ada", false},
                new Object[]{2L, "ben", false}), path, MergeSpec.on("id"));
        assertThat(merged.inserted()).isOne();
        assertThat(content(spark, path)).containsExactly("1|ada|false", "2|ben|false");
    }

    @Test
    void newSourceColumnsAreAddedAndReported(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("evolve").toUri().toString();
        DeltaTables.merge(spark, rows(spark, new Object[]{1L, "ada", false}).drop("deleted"), path, MergeSpec.on("id"));

        Dataset<Row> wider = rows(spark, new Object[]{2L, "ben", false}).drop("deleted")
                .withColumn("email", org.apache.spark.sql.functions.lit("ben@example.edu"));
        MergeResult r = DeltaTables.merge(spark, wider, path, MergeSpec.on("id"));

        assertThat(r.addedColumns()).containsExactly("email");
        assertThat(DeltaTables.read(spark, path).columns()).containsExactly("id", "name", "email");
        assertThat(content(spark, path)).containsExactly("1|ada|null", "2|ben|ben@example.edu");
    }

    @Test
    void anUpdateConditionKeepsTheNewestVersion(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("ts").toUri().toString();
        StructType s = new StructType().add("id", DataTypes.LongType).add("v", DataTypes.StringType)
                .add("ts", DataTypes.LongType);
        MergeSpec spec = MergeSpec.on("id").updateWhen("s.ts > t.ts");
        DeltaTables.merge(spark, spark.createDataFrame(List.of(RowFactory.create(1L, "new", 10L)), s), path, spec);
        MergeResult stale = DeltaTables.merge(spark,
                spark.createDataFrame(List.of(RowFactory.create(1L, "old", 5L)), s), path, spec);

        assertThat(stale.updated()).isZero();
        assertThat(DeltaTables.read(spark, path).first().getString(1)).isEqualTo("new");
    }

    @Test
    void aTargetFilterLimitsWhichTargetRowsMergeMeets(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("tf").toUri().toString();
        StructType s = new StructType().add("id", DataTypes.LongType).add("v", DataTypes.StringType)
                .add("dt", DataTypes.StringType);
        MergeSpec spec = MergeSpec.on("id").partitionBy("dt");
        DeltaTables.merge(spark, spark.createDataFrame(List.of(RowFactory.create(1L, "a", "d1"),
                RowFactory.create(2L, "b", "d2")), s), path, spec);

        MergeResult r = DeltaTables.merge(spark, spark.createDataFrame(List.of(RowFactory.create(1L, "a2", "d1")), s),
                path, spec.targetFilter("t.dt IN ('d1')"));

        assertThat(r.updated()).isEqualTo(1);
        assertThat(DeltaTables.read(spark, path).orderBy("id").collectAsList())
                .extracting(row -> row.getString(1)).containsExactly("a2", "b");
    }

    /** Rows with a version ({@code ts}), a date partition and a delete marker. */
    private static final StructType VERSIONED = new StructType().add("id", DataTypes.LongType)
            .add("v", DataTypes.StringType).add("ts", DataTypes.LongType).add("dt", DataTypes.StringType)
            .add("deleted", DataTypes.BooleanType);

    /** MERGE by id keeping the lowest {@code ts}, deletes by marker, within {@code targetFilter}; appends if it can. */
    private static MergeSpec keepingEarliest(String targetFilter) {
        return MergeSpec.on("id").updateWhen("s.ts < t.ts").partitionBy("dt").deleteWhere("deleted")
                .targetFilter(targetFilter).appendingWhenNoKeyMatches();
    }

    @Test
    void anInsertMostlySourceIsAppendedWhenNoKeyMatchesAndMergedWhenOneDoes(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("am").toUri().toString();
        StructType s = VERSIONED;
        MergeSpec spec = keepingEarliest("t.dt IN ('d1', 'd2')");
        DeltaTables.merge(spark, spark.createDataFrame(List.of(RowFactory.create(1L, "a", 10L, "d1", false),
                RowFactory.create(9L, "z", 10L, "d9", false)), s), path, spec);

        // no key of the source is in d1/d2 (9 is, but in d9, outside the filter, as MERGE would see it too)
        MergeResult appended = DeltaTables.merge(spark, spark.createDataFrame(List.of(
                RowFactory.create(2L, "b", 10L, "d1", false), RowFactory.create(3L, "c", 10L, "d2", false),
                RowFactory.create(4L, "gone", 10L, "d2", true), RowFactory.create(9L, "z2", 10L, "d2", false)), s),
                path, spec);
        assertThat(appended.inserted()).isEqualTo(3);
        assertThat(DeltaTable.forPath(spark, path).history(1).first().getAs("operation").toString())
                .isEqualTo("WRITE");
        assertThat(DeltaTables.read(spark, path).where("dt = 'd2'").inputFiles()).hasSize(1);

        // 1 is there: a real MERGE, which keeps the earlier copy's rule and inserts the new key
        MergeResult merged = DeltaTables.merge(spark, spark.createDataFrame(List.of(
                RowFactory.create(1L, "a-earlier", 5L, "d1", false), RowFactory.create(5L, "e", 10L, "d1", false)),
                s), path, spec);
        assertThat(merged.inserted()).isEqualTo(1);
        assertThat(merged.updated()).isEqualTo(1);
        assertThat(DeltaTable.forPath(spark, path).history(1).first().getAs("operation").toString())
                .isEqualTo("MERGE");
        assertThat(DeltaTables.read(spark, path).orderBy("id", "dt").collectAsList())
                .extracting(r -> r.getLong(0) + "|" + r.getString(1) + "|" + r.getString(3))
                .containsExactly("1|a-earlier|d1", "2|b|d1", "3|c|d2", "5|e|d1", "9|z2|d2", "9|z|d9");
        assertThat(DeltaTables.read(spark, path).columns()).doesNotContain("deleted");
    }

    @Test
    void rowsAlreadyThereUnchangedAreLeftOutOfAnAppendButAnUpdateOrDeleteAmongThemMerges(SparkSession spark,
                                                                                          @TempDir Path dir) {
        String path = dir.resolve("quiet").toUri().toString();
        StructType s = VERSIONED;
        MergeSpec spec = keepingEarliest("t.dt IN ('d1')");
        DeltaTables.merge(spark, spark.createDataFrame(List.of(RowFactory.create(1L, "a", 10L, "d1", false),
                RowFactory.create(2L, "b", 10L, "d1", false)), s), path, spec);

        // 1 comes again, later than the stored copy (a redelivery): MERGE would leave it; 3 is new
        MergeResult quiet = DeltaTables.merge(spark, spark.createDataFrame(List.of(
                RowFactory.create(1L, "a-again", 20L, "d1", false), RowFactory.create(3L, "c", 10L, "d1", false)), s),
                path, spec);
        assertThat(quiet.inserted()).isEqualTo(1);
        assertThat(DeltaTable.forPath(spark, path).history(1).first().getAs("operation").toString())
                .isEqualTo("WRITE");
        assertThat(DeltaTables.read(spark, path).orderBy("id").collectAsList())
                .extracting(r -> r.getLong(0) + "|" + r.getString(1)).containsExactly("1|a", "2|b", "3|c");

        // all of them there already, unchanged: nothing to write, no commit
        long version = DeltaTable.forPath(spark, path).history(1).first().getAs("version");
        MergeResult none = DeltaTables.merge(spark, spark.createDataFrame(List.of(
                RowFactory.create(1L, "a-again", 30L, "d1", false), RowFactory.create(3L, "c", 10L, "d1", false)), s),
                path, spec);
        assertThat(none.changed()).isZero();
        assertThat((long) DeltaTable.forPath(spark, path).history(1).first().getAs("version")).isEqualTo(version);

        // 2 marked deleted: MERGE has work to do on a stored row, so it runs
        MergeResult deleting = DeltaTables.merge(spark, spark.createDataFrame(List.of(
                RowFactory.create(2L, "b", 20L, "d1", true), RowFactory.create(4L, "d", 10L, "d1", false)), s),
                path, spec);
        assertThat(deleting.deleted()).isEqualTo(1);
        assertThat(deleting.inserted()).isEqualTo(1);
        assertThat(DeltaTable.forPath(spark, path).history(1).first().getAs("operation").toString())
                .isEqualTo("MERGE");
        assertThat(DeltaTables.read(spark, path).orderBy("id").collectAsList())
                .extracting(r -> r.getLong(0) + "|" + r.getString(1)).containsExactly("1|a", "3|c", "4|d");
    }

    @Test
    void overwriteReplacesAPartitionedTableWholeUnderTheSessionsDynamicMode(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("ow").toUri().toString();
        StructType s = new StructType().add("id", DataTypes.LongType).add("dt", DataTypes.StringType);
        DeltaTables.overwrite(spark.createDataFrame(List.of(RowFactory.create(1L, "d1"), RowFactory.create(2L, "d2")),
                s), path, List.of("dt"));
        StructType wider = s.add("v", DataTypes.StringType);
        DeltaTables.overwrite(spark.createDataFrame(List.of(RowFactory.create(3L, "d1", "x")), wider), path,
                List.of("dt"));

        assertThat(DeltaTables.read(spark, path).collectAsList()).extracting(r -> r.getLong(0)).containsExactly(3L);
        assertThat(DeltaTables.read(spark, path).columns()).contains("v");
    }

    @Test
    void aCreatingWriteSetsTablePropertiesSoStatisticsSkipTheNamedColumns(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("props").toUri().toString();
        DeltaTables.append(rows(spark, new Object[]{1L, "a long text", false}), path, List.of(),
                java.util.Map.of("delta.dataSkippingStatsColumns", "id"));
        DeltaTables.append(rows(spark, new Object[]{2L, "more text", true}), path, List.of());

        Row detail = spark.sql("DESCRIBE DETAIL delta.`" + path + "`").first();
        assertThat(detail.getJavaMap(detail.fieldIndex("properties")))
                .containsEntry("delta.dataSkippingStatsColumns", "id");
        List<String> stats = spark.read().json(dir.resolve("props/_delta_log").toString() + "/*.json")
                .where("add IS NOT NULL").select("add.stats").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList();
        assertThat(stats).hasSize(2).allSatisfy(s -> assertThat(s).contains("\"id\"").doesNotContain("name"));
    }

    @Test
    void aMissingKeyColumnIsAClearError(SparkSession spark, @TempDir Path dir) {
        String path = dir.resolve("k").toUri().toString();
        assertThatThrownBy(() -> DeltaTables.merge(spark, rows(spark, new Object[]{1L, "a", false}), path,
                MergeSpec.on("user_id"))).hasMessageContaining("user_id").hasMessageContaining(path);
    }
}
