package org.canvaslake.common.lake;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the lake's Delta tables findable by name ({@code events.live_stream}) in whatever catalog the session
 * has: the Glue Data Catalog on Glue/EMR when enabled there (so Athena sees them), the in-memory catalog locally.
 */
public final class LakeCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(LakeCatalog.class);

    private LakeCatalog() {
    }

    /** Registers one table (and its database) if it is not registered yet. */
    public static void register(SparkSession spark, Lake lake, String qualifiedName) {
        Lake.requireTableName(qualifiedName);
        String[] parts = qualifiedName.split("\\.");
        try {
            spark.sql("CREATE DATABASE IF NOT EXISTS `" + parts[0] + "`");
            spark.sql("CREATE TABLE IF NOT EXISTS `" + parts[0] + "`.`" + parts[1] + "` USING DELTA LOCATION '"
                    + lake.table(qualifiedName).replace("'", "\\'") + "'");
        } catch (Exception e) {
            // Exception, not RuntimeException: Delta and Spark throw Hadoop's IOExceptions undeclared
            // a catalog we may not write to must not fail a job whose data is already written
            LOG.warn("Could not register {} in the catalog: {}", qualifiedName, e.getMessage());
        }
    }

    /** Every Delta table under the lake root, as database.table names. */
    public static List<String> discover(SparkSession spark, Lake lake) {
        return discover(spark, lake, null);
    }

    /**
     * The Delta tables of one database of the lake ({@code events}: events.live_stream, ...), or of all (null). With a
     * database, only its own folder is listed, never the lake's root: on AWS a job's role may list its own prefixes
     * only (the CloudFormation policies scope {@code s3:ListBucket} by {@code s3:prefix}), and a listing of the root
     * is refused.
     */
    public static List<String> discover(SparkSession spark, Lake lake, String database) {
        List<String> names = new ArrayList<>();
        try {
            FileSystem fs = FileSystem.get(URI.create(lake.root()), spark.sparkContext().hadoopConfiguration());
            Path root = new Path(lake.root());
            List<Path> databases = new ArrayList<>();
            if (database != null) {
                Path db = new Path(root, database);
                if (fs.exists(db)) {
                    databases.add(db);
                }
            } else if (fs.exists(root)) {
                for (FileStatus db : fs.listStatus(root)) {
                    String dbName = db.getPath().getName();
                    if (db.isDirectory() && !dbName.equals("raw") && dbName.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                        databases.add(db.getPath());
                    }
                }
            }
            for (Path db : databases) {
                String dbName = db.getName();
                for (FileStatus table : fs.listStatus(db)) {
                    String tableName = table.getPath().getName();
                    if (table.isDirectory() && tableName.matches("[A-Za-z_][A-Za-z0-9_]*")
                            && fs.exists(new Path(table.getPath(), "_delta_log"))) {
                        names.add(dbName + "." + tableName);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list the lake at " + lake.root() + ": " + e.getMessage(), e);
        }
        names.sort(String::compareTo);
        return names;
    }

    /** Registers every table of the lake; returns their names. */
    public static List<String> registerAll(SparkSession spark, Lake lake) {
        List<String> names = discover(spark, lake);
        names.forEach(n -> register(spark, lake, n));
        return names;
    }
}
