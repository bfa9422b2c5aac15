package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 server for the tests that run jobs on an {@code s3://} lake: S3Proxy over an in-memory store, in a JVM of its
 * own (its Jetty, Guava and jclouds would meet Spark's here), checking AWS signatures; the jar is copied by the build.
 * It sets Spark's Hadoop configuration for S3A to reach it, as a deployment off AWS would with
 * {@code spark.hadoop.fs.s3a.*} (on Glue and EMR the platform does this), and puts the configuration back on close.
 *
 * <p>What S3Proxy is not: S3's consistency, latency and throttling under load, and IAM. It does implement what S3A
 * and Delta use (ranged GETs, delimited and prefix listings, copies, multipart uploads, deletes).
 */
final class S3ProxyServer implements AutoCloseable {

    private static final String ACCESS_KEY = "canvaslake-test";
    private static final String SECRET_KEY = "canvaslake-test-secret";
    private static final Path SERVER_JAR = Path.of("target/s3proxy/s3proxy.jar");

    private final Process process;
    private final S3Client client;
    private final Configuration hadoop;
    private final List<String> buckets;
    private final Map<String, String> previousConf = new TreeMap<>();

    private S3ProxyServer(Process process, S3Client client, Configuration hadoop, List<String> buckets) {
        this.process = process;
        this.client = client;
        this.hadoop = hadoop;
        this.buckets = buckets;
    }

    /** Starts the server with the given buckets, logging into {@code work}, and points S3A at it. */
    static S3ProxyServer start(Path work, Configuration hadoop, String... buckets) throws Exception {
        assertThat(SERVER_JAR).as("S3Proxy's jar, copied by the build (mvn verify, or mvn -pl tests"
                + " generate-test-resources)").exists();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
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
        Path log = work.resolve("s3proxy.log");
        Process process = new ProcessBuilder(java.toString(), "-Xmx512m", "-cp", SERVER_JAR.toString(),
                "org.gaul.s3proxy.Main", "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3Client client = null;
        try {
            waitForPort(port, log);
            client = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                            SECRET_KEY))).build();
            for (String bucket : buckets) {
                client.createBucket(r -> r.bucket(bucket));
            }
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
        S3ProxyServer server = new S3ProxyServer(process, client, hadoop, List.of(buckets));
        server.set(Map.of(
                "fs.s3a.endpoint", endpoint.toString(),
                "fs.s3a.endpoint.region", "us-east-1",
                "fs.s3a.path.style.access", "true",
                "fs.s3a.connection.ssl.enabled", "false",
                "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                "fs.s3a.access.key", ACCESS_KEY,
                "fs.s3a.secret.key", SECRET_KEY,
                // Hadoop 3.4's default: S3A no longer deletes the parent "directory" markers after every PUT (a bulk
                // DELETE each time); an events run on S3Proxy took 22% less time (130 s against 167 s)
                "fs.s3a.directory.marker.retention", "keep"));
        return server;
    }

    /** Sets Hadoop settings for as long as the server runs. */
    void set(Map<String, String> settings) {
        settings.forEach((k, v) -> {
            previousConf.putIfAbsent(k, hadoop.get(k));
            hadoop.set(k, v);
        });
    }

    /** The AWS SDK v2 client of the server, as the lander uses it. */
    S3Client client() {
        return client;
    }

    /** The keys under a prefix of a bucket. */
    List<String> keys(String bucket, String prefix) {
        return client.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(o -> o.key()).toList();
    }

    /**
     * Copies the objects under {@code from} whose key (after {@code from}) {@code keep} accepts to the same keys under
     * {@code to}, in one bucket: a lake's Delta tables name their files relative to the table, so a copied table is a
     * table.
     */
    void copy(String bucket, String from, String to, Predicate<String> keep) {
        for (String key : keys(bucket, from)) {
            String relative = key.substring(from.length());
            if (keep.test(relative)) {
                client.copyObject(r -> r.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket)
                        .destinationKey(to + relative));
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            // the buckets' S3A file systems, cached by Hadoop for the JVM, go with their server
            for (String bucket : buckets) {
                FileSystem.get(URI.create("s3://" + bucket + "/"), hadoop).close();
            }
        } finally {
            previousConf.forEach((k, v) -> {
                if (v == null) {
                    hadoop.unset(k);
                } else {
                    hadoop.set(k, v);
                }
            });
            client.close();
            process.destroyForcibly();
        }
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
