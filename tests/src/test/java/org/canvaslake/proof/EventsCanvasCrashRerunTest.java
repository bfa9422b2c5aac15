package org.canvaslake.proof;

import java.util.List;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The crash drills of the events and canvas jobs (see {@link CrashRerunDrills}). */
class EventsCanvasCrashRerunTest extends CrashRerunDrills {

    @Override
    List<String> jobs() {
        return List.of("events", "canvas");
    }

    @Override
    int minimumCrashes() {
        return 10;
    }

    @Test
    @Order(1)
    void events(SparkSession spark) {
        eventsJob(spark);
    }

    @Test
    @Order(2)
    void canvas(SparkSession spark) {
        canvasJob(spark);
    }
}
