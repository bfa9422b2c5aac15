package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.events.EventsJob;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.lander.S3ObjectStore;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The lake on S3, as in production: the lander writes raw objects to a bucket through the AWS SDK, and the events job
 * reads them and writes its Delta tables and ledger there through Hadoop's S3A (hadoop-aws, as spark-submit adds it with --packages),
 * with an {@code s3://} lake location. The bucket is S3Proxy's, in a JVM of its own (its Jetty and Guava would meet
 * Spark's here), checking AWS signatures. The tables must equal those of the same objects in a local lake.
 *
 * <p>What S3Proxy is not: S3's consistency and throttling under load, and IAM. It does implement what S3A and Delta
 * use (ranged GETs, delimited and prefix listings, copies, multipart uploads, deletes).
 */
@ExtendWith(SparkTest.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3LakeTest {

    private static final String ACCESS_KEY = "canvaslake-test";
    private static final String SECRET_KEY = "canvaslake-test-secret";
    private static final String BUCKET = "institution-lake";
    private static final Path SERVER_JAR = Path.of("target/s3proxy/s3proxy.jar");

    private Process server;
    private URI endpoint;
    private S3Client s3;
    private final Map<String, String> previousConf = new TreeMap<>();

    @BeforeAll
    void startS3(SparkSession spark, @TempDir Path work) throws Exception {
        assertThat(SERVER_JAR).as("S3Proxy's jar, copied by the build (mvn verify, or mvn -pl tests"
                + " generate-test-resources)").exists();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = work.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=transient",
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY) + "\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        server = new ProcessBuilder(java.toString(), "-Xmx512m", "-cp", SERVER_JAR.toString(),
                "org.gaul.s3proxy.Main", "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("s3proxy.log").toFile()).start();
        waitForPort(port, work.resolve("s3proxy.log"));

        s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                        SECRET_KEY))).build();
        s3.createBucket(r -> r.bucket(BUCKET));

        // what a deployment off AWS would pass as spark.hadoop.fs.s3a.* (on Glue and EMR the platform does this)
        Map<String, String> conf = Map.of(
                "fs.s3a.endpoint", endpoint.toString(),
                "fs.s3a.endpoint.region", "us-east-1",
                "fs.s3a.path.style.access", "true",
                "fs.s3a.connection.ssl.enabled", "false",
                "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                "fs.s3a.access.key", ACCESS_KEY,
                "fs.s3a.secret.key", SECRET_KEY,
                // a test's lakes are small: don't keep S3A file systems of other tests' endpoints around
                "fs.s3.impl.disable.cache", "true",
                "fs.s3a.impl.disable.cache", "true");
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        conf.forEach((k, v) -> {
            previousConf.put(k, hadoop.get(k));
            hadoop.set(k, v);
        });
    }

    @AfterAll
    void stopS3(SparkSession spark) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        previousConf.forEach((k, v) -> {
            if (v == null) {
                hadoop.unset(k);
            } else {
                hadoop.set(k, v);
            }
        });
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.destroyForcibly();
        }
    }

    @Test
    void theEventsJobOnAnS3LakeWritesWhatItWritesLocallyAndReadsOnlyNewObjectsAfter(SparkSession spark,
                                                                                       @TempDir Path local)
            throws Exception {
        String lake = "s3://" + BUCKET + "/lake";
        BatchLander toS3 = new BatchLander(S3ObjectStore.at(lake, s3));
        BatchLander toLocal = new BatchLander(new LocalObjectStore(local));
        List<List<LiveEventMessage>> batches = batches(1_000, 10);
        for (List<LiveEventMessage> batch : batches.subList(0, batches.size() - 1)) {
            toS3.land(batch);
            toLocal.land(batch);
        }
        assertThat(s3.listObjectsV2(r -> r.bucket(BUCKET).prefix("lake/raw/live_events/dt=")).keyCount())
                .isPositive();

        RunReport onS3 = events(spark, lake);
        RunReport onDisk = events(spark, local.toString());
        assertThat(onS3.failures()).isEmpty();
        assertThat(onS3.counter("raw_objects")).isEqualTo(batches.size() - 1).isEqualTo(onDisk.counter("raw_objects"));
        assertThat(onS3.counter("events_read")).isPositive().isEqualTo(onDisk.counter("events_read"));
        assertThat(onS3.counter("quarantined")).isEqualTo(onDisk.counter("quarantined"));
        // the tables are in the bucket, written through S3A
        assertThat(s3.listObjectsV2(r -> r.bucket(BUCKET).prefix("lake/events/live_stream/_delta_log/")).contents())
                .extracting(o -> o.key()).contains("lake/events/live_stream/_delta_log/00000000000000000000.json");
        // row for row as in the local lake (but for what names the source object, whose path differs by location,
        // and the run)
        Map<String, List<String>> s3Rows = rows(spark, Lake.at(lake));
        assertThat(s3Rows).containsKeys("events.live_stream", "events._quarantine", "events.logged_in")
                .isEqualTo(rows(spark, Lake.at(local.toString())));
        int liveRows = s3Rows.get("events.live_stream").size();

        // the next hour: one new object; the ledger on S3 keeps the rest from being read again
        toS3.land(batches.get(batches.size() - 1));
        RunReport next = events(spark, lake);
        assertThat(next.failures()).isEmpty();
        assertThat(next.counter("raw_objects")).isOne();
        assertThat(next.counter("raw_objects_listed")).isBetween(1L, (long) batches.size());
        assertThat(DeltaTables.read(spark, Lake.at(lake).table("_meta.events_ledger")).count())
                .isEqualTo(batches.size());
        RunReport again = events(spark, lake);
        assertThat(again.counter("raw_objects")).isZero();
        assertThat(DeltaTables.read(spark, Lake.at(lake).table("events.live_stream")).count())
                .isEqualTo(liveRows + next.counter("events_read") - next.counter("duplicates_in_run")
                        - next.counter("duplicates_already_in_lake"));
    }

    /** Sandbox messages in batches of {@code size}, the last batch received an hour after the others. */
    private static List<List<LiveEventMessage>> batches(int count, int size) {
        LiveEventGenerator generator = SandboxEventsCommand.generator(7);
        List<List<LiveEventMessage>> batches = new ArrayList<>();
        Iterator<LiveEventGenerator.Message> it = generator.messages(count);
        List<LiveEventMessage> current = new ArrayList<>();
        while (it.hasNext()) {
            LiveEventGenerator.Message m = it.next();
            current.add(new LiveEventMessage(m.messageId(), m.receivedAt(), m.attributes(), m.body()));
            if (current.size() == size) {
                batches.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        List<LiveEventMessage> last = batches.remove(batches.size() - 1);
        Instant later = last.get(last.size() - 1).receivedAt().plusSeconds(3600);
        batches.add(last.stream().map(m -> new LiveEventMessage(m.messageId(), later, m.attributes(), m.body()))
                .toList());
        return batches;
    }

    private static RunReport events(SparkSession spark, String lake) {
        EventsJob job = new EventsJob();
        Options options = Options.parse(job.spec(), List.of("--lake", lake, "--optimize", "never"));
        return job.runWith(spark, options, job.runReport(options));
    }

    /**
     * Every events table's rows as text, sorted, without the source object's path, the quarantine's key made from it,
     * and the run.
     */
    private static Map<String, List<String>> rows(SparkSession spark, Lake lake) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String table : LakeCatalog.discover(spark, lake, "events")) {
            List<String> rows = new ArrayList<>();
            for (Row r : DeltaTables.read(spark, lake.table(table))
                    .drop("source_object", "quarantine_id", "run_id").collectAsList()) {
                rows.add(r.toString());
            }
            rows.sort(null);
            out.put(table, rows);
        }
        return out;
    }

    private static void waitForPort(int port, Path log) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("S3Proxy did not open port " + port + " within 60 s; its log: "
                + Files.readString(log));
    }
}
