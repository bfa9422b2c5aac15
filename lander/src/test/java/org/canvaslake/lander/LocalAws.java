package org.canvaslake.lander;

import java.net.URI;
import java.util.UUID;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A real SQS-compatible server (ElasticMQ) and a real S3-compatible server (S3Proxy over jclouds' in-memory
 * "transient" blob store), both in this JVM on free ports, shared by all test classes of the module.
 * S3Proxy checks AWS V4 signatures against the test credentials, as S3 would. Each server starts on first use.
 */
final class LocalAws implements BeforeAllCallback {

    private static final Logger LOG = LoggerFactory.getLogger(LocalAws.class);

    static final String ACCESS_KEY = "canvaslake-test";
    static final String SECRET_KEY = "canvaslake-test-secret";
    static final String REGION = "us-east-1";

    private static SqsServer sqsServer;
    private static S3Server s3Server;
    private static SqsClient sqsClient;
    private static S3Client s3Client;

    @Override
    public void beforeAll(ExtensionContext context) {
        // DrainCommand takes credentials from the SDK's default chain, as in production
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        // the servers start on first use and stop when the whole test run ends
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(LocalAws.class.getName(),
                k -> (ExtensionContext.Store.CloseableResource) LocalAws::stopAll);
    }

    static synchronized URI sqsEndpoint() {
        if (sqsServer == null) {
            sqsServer = new SqsServer();
        }
        return URI.create("http://127.0.0.1:" + sqsServer.port);
    }

    static synchronized URI s3Endpoint() {
        if (s3Server == null) {
            s3Server = new S3Server();
        }
        return URI.create("http://127.0.0.1:" + s3Server.proxy.getPort());
    }

    private static synchronized void stopAll() throws Exception {
        if (sqsClient != null) {
            sqsClient.close();
            sqsClient = null;
        }
        if (s3Client != null) {
            s3Client.close();
            s3Client = null;
        }
        try {
            if (s3Server != null) {
                s3Server.close();
            }
        } finally {
            s3Server = null;
            if (sqsServer != null) {
                sqsServer.server.stopAndWait();
            }
            sqsServer = null;
        }
    }

    /** The tests' own SQS client (shared; closed with the servers), to set up queues and look into them. */
    static synchronized SqsClient sqs() {
        if (sqsClient == null) {
            sqsClient = SqsClient.builder().endpointOverride(sqsEndpoint()).region(Region.of(REGION))
                    .credentialsProvider(credentials()).build();
        }
        return sqsClient;
    }

    /** The tests' own S3 client (shared; closed with the servers), to make buckets and read what was landed. */
    static synchronized S3Client s3() {
        if (s3Client == null) {
            s3Client = S3Client.builder().endpointOverride(s3Endpoint()).region(Region.of(REGION)).forcePathStyle(true)
                    .credentialsProvider(credentials()).build();
        }
        return s3Client;
    }

    /** A fresh queue per test, so tests never see each other's messages. */
    static String newQueue(SqsClient sqs) {
        return sqs.createQueue(r -> r.queueName("live-" + UUID.randomUUID())).queueUrl();
    }

    /** A fresh bucket per test. */
    static String newBucket(S3Client s3) {
        String bucket = "lake-" + UUID.randomUUID().toString().substring(0, 13);
        s3.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    private static final class SqsServer {
        final SQSRestServer server;
        final int port;

        SqsServer() {
            long t0 = System.nanoTime();
            server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
            port = server.waitUntilStarted().localAddress().getPort();
            LOG.info("ElasticMQ listening on 127.0.0.1:{} after {} ms", port, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static final class S3Server implements AutoCloseable {
        final BlobStoreContext blobs;
        final S3Proxy proxy;

        S3Server() {
            long t0 = System.nanoTime();
            blobs = ContextBuilder.newBuilder("transient").credentials(ACCESS_KEY, SECRET_KEY)
                    .build(BlobStoreContext.class);
            proxy = S3Proxy.builder()
                    .blobStore(blobs.getBlobStore())
                    .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .build();
            try {
                proxy.start();
                long until = System.nanoTime() + 30_000_000_000L;
                while (!"STARTED".equals(proxy.getState())) {
                    if (System.nanoTime() > until) {
                        throw new IllegalStateException("S3Proxy did not start within 30 s: " + proxy.getState());
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException("Cannot start S3Proxy: " + e.getMessage(), e);
            }
            LOG.info("S3Proxy listening on 127.0.0.1:{} after {} ms", proxy.getPort(),
                    (System.nanoTime() - t0) / 1_000_000);
        }

        @Override
        public void close() throws Exception {
            try {
                proxy.stop();
            } finally {
                blobs.close();
            }
        }
    }
}
