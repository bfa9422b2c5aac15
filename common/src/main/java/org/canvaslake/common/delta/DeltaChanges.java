package org.canvaslake.common.delta;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.delta.tables.DeltaTable;

/**
 * What changed in a Delta table between two of its versions, read from the table's Change Data Feed. Jobs that
 * derive one table from another (product from events, the SQL mirror from any table) remember the last version
 * they processed and read only the commits after it, so their cost follows the new data, not the history.
 *
 * <p>The feed exists only for commits made while {@code delta.enableChangeDataFeed} was on, and only until VACUUM
 * removes it; {@link #changes} says so with {@link ChangesUnavailable} and the caller rebuilds in full.
 */
public final class DeltaChanges {

    private static final Logger LOG = LoggerFactory.getLogger(DeltaChanges.class);

    public static final String FEED_PROPERTY = "delta.enableChangeDataFeed";
    public static final String CHANGE_TYPE = "_change_type";
    public static final String COMMIT_VERSION = "_commit_version";
    public static final String COMMIT_TIMESTAMP = "_commit_timestamp";
    /** Added by {@link #lastChangePerKey}: true when the key's last change deleted it. */
    public static final String DELETED = "__deleted";

    /** The feed does not cover the requested versions: the caller has to read the table in full. */
    public static final class ChangesUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        public ChangesUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private DeltaChanges() {
    }

    /** The table's latest committed version. */
    public static long currentVersion(SparkSession spark, String path) {
        return DeltaTable.forPath(spark, path).history(1).select("version").first().getLong(0);
    }

    public static boolean feedEnabled(SparkSession spark, String path) {
        Row detail = DeltaTable.forPath(spark, path).detail().select("properties").first();
        Map<String, String> properties = detail.getJavaMap(0);
        return "true".equalsIgnoreCase(properties.get(FEED_PROPERTY));
    }

    /**
     * Turns the Change Data Feed on (one metadata-only commit) so later commits record their changes. Returns
     * false, with the reason logged, when the table cannot be altered (e.g. read-only permissions).
     */
    public static boolean enableFeed(SparkSession spark, String path) {
        if (feedEnabled(spark, path)) {
            return true;
        }
        try {
            spark.sql("ALTER TABLE delta.`" + path.replace("`", "``") + "` SET TBLPROPERTIES (" + FEED_PROPERTY
                    + " = true)");
            LOG.info("Enabled the Change Data Feed on {}", path);
            return true;
        } catch (Exception e) {
            LOG.warn("Could not enable the Change Data Feed on {}: {}", path, e.getMessage());
            return false;
        }
    }

    /**
     * Every row change of the commits {@code fromVersion..toVersion} (both inclusive), with {@link #CHANGE_TYPE}
     * ({@code insert}, {@code update_preimage}, {@code update_postimage}, {@code delete}) and
     * {@link #COMMIT_VERSION}. Checked eagerly: a range the feed does not cover throws here, not later.
     */
    public static Dataset<Row> changes(SparkSession spark, String path, long fromVersion, long toVersion)
            throws ChangesUnavailable {
        if (fromVersion > toVersion) {
            throw new IllegalArgumentException("Change range of " + path + " is empty: " + fromVersion + " > "
                    + toVersion);
        }
        try {
            Dataset<Row> changes = spark.read().format("delta").option("readChangeFeed", "true")
                    .option("startingVersion", fromVersion).option("endingVersion", toVersion).load(path);
            // planning the scan is where Delta checks that every commit in the range recorded its changes
            changes.queryExecution().executedPlan();
            return changes;
        } catch (Exception e) {
            // Delta reports a range without recorded changes (or vacuumed ones) as an AnalysisException
            throw new ChangesUnavailable("The Change Data Feed of " + path + " does not cover versions "
                    + fromVersion + ".." + toVersion + " (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    /**
     * One row per key: its state after the last change in the range, with {@link #DELETED} true when that last
     * change removed it. Pre-images are dropped; the feed's own columns are removed.
     */
    public static Dataset<Row> lastChangePerKey(Dataset<Row> changes, List<String> keys) {
        Column kind = col(CHANGE_TYPE);
        // within one commit a delete and an insert of the same key mean "replaced": the insert wins
        Column rank = when(kind.equalTo("delete"), lit(1)).otherwise(lit(0));
        Dataset<Row> after = changes.where(kind.notEqual("update_preimage"));
        return DeltaTables.latestPerKey(after, keys, col(COMMIT_VERSION).desc(), rank.asc())
                .withColumn(DELETED, kind.equalTo("delete"))
                .drop(CHANGE_TYPE, COMMIT_VERSION, COMMIT_TIMESTAMP);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
