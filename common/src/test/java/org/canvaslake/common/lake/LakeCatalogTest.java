package org.canvaslake.common.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.testing.RefusingFileSystem;
import org.canvaslake.common.testing.RootRefusingFileSystem;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkTest.class)
class LakeCatalogTest {

    /**
     * Registration runs after a job's data is committed: a catalog or a store that refuses it must not fail the job.
     * The refusal here is what a store gives Delta, a Hadoop {@link IOException}, which Scala code throws undeclared
     * (past a {@code catch (RuntimeException)}).
     */
    @Test
    void aTableTheCatalogCannotReachIsLeftUnregisteredAndTheNextIsRegistered(SparkSession spark,
            @TempDir java.nio.file.Path dir) {
        Lake good = Lake.at(dir.toString());
        spark.range(3).toDF("n").write().format("delta").save(good.table("catalogtest.reachable"));
        try (RefusingFileSystem.Mount refusing = RefusingFileSystem.mount(spark.sparkContext().hadoopConfiguration())) {
            Lake refused = Lake.at("gs://refusing-bucket/lake");
            LakeCatalog.register(spark, refused, "catalogtest.unreachable");
            LakeCatalog.register(spark, good, "catalogtest.reachable");
        }
        assertThat(RefusingFileSystem.refusals).as("the store was asked, and refused").isPositive();
        assertThat(spark.catalog().tableExists("catalogtest", "unreachable")).isFalse();
        assertThat(spark.sql("SELECT count(*) FROM catalogtest.reachable").first().getLong(0)).isEqualTo(3);
        assertThat(DeltaTables.exists(spark, good.table("catalogtest.reachable"))).isTrue();
        spark.sql("DROP TABLE catalogtest.reachable");
    }

    /**
     * On AWS each job's role may list only its own prefixes of the lake bucket (the CloudFormation policies scope
     * {@code s3:ListBucket} by {@code s3:prefix}): finding one database's tables must not list the lake's root. The
     * daily OPTIMIZE of the events job finds its tables this way.
     */
    @Test
    void oneDatabasesTablesAreFoundWithoutListingTheLakesRoot(SparkSession spark, @TempDir java.nio.file.Path dir) {
        Lake lake = Lake.at(dir.toString());
        spark.range(2).toDF("n").write().format("delta").save(lake.table("scoped.first"));
        spark.range(2).toDF("n").write().format("delta").save(lake.table("other.second"));
        try (RootRefusingFileSystem.Mount scoped = RootRefusingFileSystem.mount(
                spark.sparkContext().hadoopConfiguration(), lake.root())) {
            assertThat(LakeCatalog.discover(spark, lake, "scoped")).containsExactly("scoped.first");
            assertThat(LakeCatalog.discover(spark, lake, "absent")).isEmpty();
            assertThat(RootRefusingFileSystem.refusals).as("listings of the root").isZero();
            // the refusal is real: every database's tables need the root's listing
            assertThatThrownBy(() -> LakeCatalog.discover(spark, lake))
                    .hasMessageContaining("listing refused");
        }
        assertThat(LakeCatalog.discover(spark, lake)).containsExactly("other.second", "scoped.first");
    }
}
