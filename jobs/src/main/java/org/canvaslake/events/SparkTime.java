package org.canvaslake.events;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;

import org.apache.spark.sql.SparkSession;

/**
 * Timestamps and dates as Spark's row encoder wants them: {@code Instant}/{@code LocalDate} when the session has
 * {@code spark.sql.datetime.java8API.enabled}, {@code java.sql.Timestamp}/{@code Date} otherwise. Platforms differ
 * in that setting, so rows are built for whichever the session uses.
 */
final class SparkTime {

    private SparkTime() {
    }

    static boolean java8(SparkSession spark) {
        return Boolean.parseBoolean(spark.conf().get("spark.sql.datetime.java8API.enabled", "false"));
    }

    static Object timestamp(long micros, boolean java8) {
        return java8 ? EventTime.toInstant(micros) : Timestamp.from(EventTime.toInstant(micros));
    }

    /** A timestamp value read from a row, whichever of the two the session returns. */
    static Instant instant(Object value) {
        return value instanceof Instant i ? i : ((Timestamp) value).toInstant();
    }

    static Object date(LocalDate date, boolean java8) {
        return java8 ? date : Date.valueOf(date);
    }
}
