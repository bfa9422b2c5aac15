package org.canvaslake.proof;

import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The crash drills of the dap and product jobs (see {@link CrashRerunDrills}). */
class DapProductCrashRerunTest extends CrashRerunDrills {

    @Override
    List<String> jobs() {
        return List.of("dap", "product");
    }

    @Override
    int minimumCrashes() {
        return 10;
    }

    @Test
    @Order(1)
    void dap(SparkSession spark) throws Exception {
        dapSyncJob(spark);
    }

    @Test
    @Order(2)
    void product(SparkSession spark) throws Exception {
        productJob(spark);
    }
}
