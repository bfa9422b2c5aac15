package org.canvaslake.common.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.S3ConditionalLogStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Spark session every job and every test uses.
 *
 * <p>Under spark-submit, Glue or EMR the platform has already put {@code spark.master} and its own settings into the
 * JVM; then we only add what our jobs need (Delta, UTC, {@link GeneratedCodeJit}) and never override the platform's
 * resources. With nothing set (./canvaslake, tests) we run {@code local[*]} with defaults sized for a laptop.
 */
public final class SparkSessionFactory {

    public static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
    public static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";
    private static final String LOG_STORE_PREFIX = "spark.delta.logStore.";
    private static final Logger LOG = LoggerFactory.getLogger(SparkSessionFactory.class);

    private SparkSessionFactory() {
    }

    /** True when a cluster manager (spark-submit, Glue, EMR) launched this JVM. */
    public static boolean onPlatform() {
        return System.getProperty("spark.master") != null;
    }

    /** The platform configured the Glue Data Catalog as Spark's metastore. */
    public static boolean usesGlueDataCatalog() {
        String factory = System.getProperty("spark.hadoop.hive.metastore.client.factory.class", "");
        return factory.contains("AWSGlueDataCatalog") || "hive".equals(System.getProperty("spark.sql.catalogImplementation"));
    }

    public static SparkSession getOrCreate(String appName) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        settings(onPlatform(), Runtime.getRuntime().availableProcessors()).forEach((key, value) -> {
            // a log store the deployment chose (Delta's DynamoDB one, say) is kept
            if (!(key.startsWith(LOG_STORE_PREFIX) && System.getProperty(key) != null)) {
                builder.config(key, value);
            }
        });
        // added to, not instead of, plugins the platform or the user configured; not loaded at all when turned off
        if (!Boolean.getBoolean(GeneratedCodeJit.KEEP_C2)) {
            builder.config("spark.plugins", GeneratedCodeJit.plugins(System.getProperty("spark.plugins")));
        }
        if (!onPlatform()) {
            builder.master(System.getProperty("canvaslake.spark.master", "local[*]"));
        } else if (usesGlueDataCatalog()) {
            // Glue (--enable-glue-datacatalog) and EMR configure the Glue Data Catalog as the Hive metastore; tables
            // we register then show up in Athena
            builder.enableHiveSupport();
        }
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().setLogLevel(System.getProperty("canvaslake.spark.logLevel", "WARN"));
        String s3LogStore = spark.sparkContext().getConf().get(LOG_STORE_PREFIX + "s3.impl",
                "Delta's default single-driver log store");
        if (!s3LogStore.equals(S3ConditionalLogStore.class.getName())) {
            // a context started before ours, or a deployment's choice: say what it means
            LOG.warn("Delta commits on s3:// use {}, not {}: unless it locks across drivers (Delta's DynamoDB "
                    + "store does), two jobs committing one table at the same moment can lose a commit "
                    + "(docs/architecture.md, \"Commits on S3\")", s3LogStore,
                    S3ConditionalLogStore.class.getSimpleName());
        }
        return spark;
    }

    /** The settings we add; a pure function so the choice between platform and local is testable. */
    public static Map<String, String> settings(boolean onPlatform, int cores) {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.sql.extensions", DELTA_EXTENSION);
        conf.put("spark.sql.catalog.spark_catalog", DELTA_CATALOG);
        // event times are stored and shown in UTC whatever the machine's zone
        conf.put("spark.sql.session.timeZone", "UTC");
        conf.put("spark.sql.sources.partitionOverwriteMode", "dynamic");
        // times before the Gregorian calendar's start (a due date typed as year 0202) are written and read as they
        // are, in the calendar Spark 3 uses: Spark's default fails the write, and a failed write fails the batch and
        // every later run that reads the same input again
        for (String mode : List.of("datetimeRebaseModeInWrite", "datetimeRebaseModeInRead", "int96RebaseModeInWrite",
                "int96RebaseModeInRead")) {
            conf.put("spark.sql.parquet." + mode, "CORRECTED");
        }
        conf.put("spark.databricks.delta.merge.repartitionBeforeWrite.enabled", "true");
        // a store that cannot answer whether a table is there (403, 503 past the client's retries) fails the run: read
        // as "no table", the jobs would start an existing table afresh. Delta 3.3's default, pinned here (releases
        // before mid-2024 had no such flag and answered "no table"); DeltaTablesTest
        conf.put("spark.databricks.delta.isDeltaTable.throwOnError", "true");
        // a Delta commit on S3 is a conditional PUT, so two drivers cannot both write one version
        // (S3ConditionalLogStore); read once, when the Spark context starts
        for (String scheme : List.of("s3", "s3a")) {
            conf.put(LOG_STORE_PREFIX + scheme + ".impl", S3ConditionalLogStore.class.getName());
        }
        // s3:// paths on a non-EMR Hadoop resolve through S3A (EMR and Glue map s3:// themselves)
        if (!onPlatform) {
            conf.put("spark.hadoop.fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
            conf.put("spark.sql.shuffle.partitions", String.valueOf(Math.max(4, cores * 2)));
            conf.put("spark.default.parallelism", String.valueOf(Math.max(4, cores * 2)));
            conf.put("spark.ui.enabled", "false");
            conf.put("spark.ui.showConsoleProgress", "false");
            conf.put("spark.driver.host", "127.0.0.1");
            conf.put("spark.driver.bindAddress", "127.0.0.1");
            // small local tables: fewer partitions for Delta's own state reconstruction
            conf.put("spark.databricks.delta.snapshotPartitions", "2");
            conf.put("spark.sql.adaptive.enabled", "true");
            conf.put("spark.sql.adaptive.coalescePartitions.enabled", "true");
            conf.put("spark.databricks.delta.stalenessLimit", "0");
            conf.put("spark.sql.catalogImplementation", "in-memory");
            // one JVM running job after job (the demo, the tests) plans the same queries again: Delta's own on every
            // table read, ours per table. Spark keeps the last 100 compiled classes; with more kept, a canvas test
            // class took 99-104 s against 115-117 s, Janino having been a quarter of its CPU samples
            conf.put("spark.sql.codegen.cache.maxEntries", "1000");
            // permissions without forking chmod per file (see LocalFileSystemNio)
            conf.put("spark.hadoop.fs.file.impl", LocalFileSystemNio.class.getName());
            // and renames (every Delta commit) without forking readlink per path (see LocalFsNio)
            conf.put("spark.hadoop.fs.AbstractFileSystem.file.impl", LocalFsNio.class.getName());
        }
        return conf;
    }
}
