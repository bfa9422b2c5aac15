package org.canvaslake.common.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.S3ConditionalLogStore;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkTest.class)
class SparkSessionFactoryTest {

    @Test
    void theSharedTestSessionIsTheFactorysLocalSessionWithDeltaAndUtc(SparkSession spark) {
        assertThat(spark.sparkContext().master()).startsWith("local");
        assertThat(spark.conf().get("spark.sql.extensions")).contains(SparkSessionFactory.DELTA_EXTENSION);
        assertThat(spark.conf().get("spark.sql.catalog.spark_catalog")).isEqualTo(SparkSessionFactory.DELTA_CATALOG);
        assertThat(spark.conf().get("spark.sql.session.timeZone")).isEqualTo("UTC");
        // a static setting: only a session built by the factory has it
        assertThat(spark.conf().get("spark.sql.codegen.cache.maxEntries")).isEqualTo("1000");
        // a Delta statement runs, so the extension is really active
        assertThat(spark.sql("SELECT current_timezone()").first().getString(0)).isEqualTo("UTC");
    }

    @Test
    void theFactoryReturnsTheExistingSessionRatherThanASecondOne(SparkSession spark) {
        assertThat(SparkSessionFactory.getOrCreate("another-name").sparkContext()).isSameAs(spark.sparkContext());
    }

    @Test
    void localSettingsAreSizedForTheMachineAndPlatformSettingsLeaveResourcesAlone() {
        Map<String, String> local = SparkSessionFactory.settings(false, 2);
        assertThat(local).containsEntry("spark.sql.shuffle.partitions", "4")
                .containsEntry("spark.ui.enabled", "false")
                .containsEntry("spark.sql.session.timeZone", "UTC");
        assertThat(SparkSessionFactory.settings(false, 16)).containsEntry("spark.sql.shuffle.partitions", "32");

        Map<String, String> platform = SparkSessionFactory.settings(true, 2);
        assertThat(platform).containsEntry("spark.sql.extensions", SparkSessionFactory.DELTA_EXTENSION)
                .containsEntry("spark.sql.session.timeZone", "UTC")
                .containsEntry("spark.databricks.delta.isDeltaTable.throwOnError", "true")
                .doesNotContainKeys("spark.sql.shuffle.partitions", "spark.ui.enabled", "spark.driver.host",
                        "spark.hadoop.fs.s3.impl", "spark.hadoop.fs.file.impl",
                        "spark.sql.codegen.cache.maxEntries");
        // Delta's commits on S3 are conditional PUTs on every platform
        for (Map<String, String> settings : List.of(local, platform)) {
            assertThat(settings).containsEntry("spark.delta.logStore.s3.impl", S3ConditionalLogStore.class.getName())
                    .containsEntry("spark.delta.logStore.s3a.impl", S3ConditionalLogStore.class.getName());
        }
    }

    @Test
    void theSessionsDeltaLogStoreForS3IsTheConditionalOne(SparkSession spark) {
        // Delta reads the setting from the Spark context's own configuration, fixed when the context started
        assertThat(spark.sparkContext().getConf().get("spark.delta.logStore.s3.impl"))
                .isEqualTo(S3ConditionalLogStore.class.getName());
    }
}
