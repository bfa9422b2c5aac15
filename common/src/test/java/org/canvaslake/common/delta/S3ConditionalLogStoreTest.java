package org.canvaslake.common.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.canvaslake.common.delta.S3ConditionalLogStore.ClientSettings;
import org.canvaslake.common.delta.S3ConditionalLogStore.Refusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * What {@link S3ConditionalLogStore} makes of S3's answers and of S3A's settings. Its PUTs against a real S3 API
 * (S3Proxy) are proven in the tests module ({@code S3LakeTest}'s commit cases, and the S3 fault tests).
 */
class S3ConditionalLogStoreTest {

    @Test
    void s3sAnswersToAConditionalPutMeanExistsTryAgainCannotOrFail() {
        assertThat(Refusal.of(error(412, "PreconditionFailed"))).isEqualTo(Refusal.EXISTS);
        assertThat(Refusal.of(error(409, "ConditionalRequestConflict"))).isEqualTo(Refusal.CONFLICT);
        assertThat(Refusal.of(error(501, "NotImplemented"))).isEqualTo(Refusal.NOT_IMPLEMENTED);
        assertThat(Refusal.of(error(400, "NotImplemented"))).isEqualTo(Refusal.NOT_IMPLEMENTED);
        assertThat(Refusal.of(error(403, "AccessDenied"))).isEqualTo(Refusal.OTHER);
        assertThat(Refusal.of(error(503, "SlowDown"))).isEqualTo(Refusal.OTHER);
    }

    @Test
    void settingsComeFromS3aPerBucketFirstAndAwsEndpointsAreLeftToTheRegion() {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.endpoint", "minio.example.edu:9000");
        conf.set("fs.s3a.connection.ssl.enabled", "false");
        conf.set("fs.s3a.path.style.access", "true");
        conf.set("fs.s3a.access.key", "AKIA-shared");
        conf.set("fs.s3a.secret.key", "shared-secret");
        conf.set("fs.s3a.bucket.lake-b.endpoint", "https://s3.eu-west-1.amazonaws.com");
        conf.set("fs.s3a.bucket.lake-b.endpoint.region", "eu-west-1");
        conf.set("fs.s3a.bucket.lake-b.access.key", " ");

        ClientSettings a = ClientSettings.of(conf, "lake-a");
        assertThat(a.endpoint()).isEqualTo("http://minio.example.edu:9000");
        assertThat(a.pathStyle()).isTrue();
        assertThat(a.accessKey()).isEqualTo("AKIA-shared");
        assertThat(a.toString()).doesNotContain("AKIA-shared").doesNotContain("shared-secret");

        ClientSettings b = ClientSettings.of(conf, "lake-b");
        assertThat(b.endpoint()).as("AWS's own endpoint: the SDK resolves it from the region").isNull();
        assertThat(b.region()).isEqualTo("eu-west-1");
        assertThat(b.accessKey()).as("a blank per-bucket value falls back to the shared one").isEqualTo("AKIA-shared");

        conf.set("fs.s3a.bucket.lake-c.endpoint", "https://bucket.vpce-0a1b2c3d-4e5f.s3.us-east-1.vpce.amazonaws.com");
        assertThat(ClientSettings.of(conf, "lake-c").endpoint()).as("a VPC endpoint is where S3 is reached from here")
                .isEqualTo("https://bucket.vpce-0a1b2c3d-4e5f.s3.us-east-1.vpce.amazonaws.com");
        conf.set("fs.s3a.bucket.lake-d.endpoint", "s3.amazonaws.com");
        assertThat(ClientSettings.of(conf, "lake-d").endpoint()).isNull();

        ClientSettings none = ClientSettings.of(new Configuration(false), "lake");
        assertThat(none.endpoint()).isNull();
        assertThat(none.accessKey()).as("the SDK's chain: the job's role on Glue and EMR").isNull();
    }

    @Test
    void s3aEncryptionSettingsGoOnTheCommitsPut() {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.encryption.algorithm", "SSE-KMS");
        conf.set("fs.s3a.encryption.key", "arn:aws:kms:us-east-1:000000000000:key/lake");
        PutObjectRequest kms = ClientSettings.of(conf, "lake").encrypt(PutObjectRequest.builder()).build();
        assertThat(kms.serverSideEncryption()).isEqualTo(ServerSideEncryption.AWS_KMS);
        assertThat(kms.ssekmsKeyId()).isEqualTo("arn:aws:kms:us-east-1:000000000000:key/lake");

        Configuration legacy = new Configuration(false);
        legacy.set("fs.s3a.server-side-encryption-algorithm", "AES256");
        assertThat(ClientSettings.of(legacy, "lake").encrypt(PutObjectRequest.builder()).build()
                .serverSideEncryption()).isEqualTo(ServerSideEncryption.AES256);

        assertThat(ClientSettings.of(new Configuration(false), "lake").encrypt(PutObjectRequest.builder()).build()
                .serverSideEncryption()).isNull();
    }

    @Test
    void aStoreWithoutConditionalPutsGetsDeltasOwnWriteEachActionOnItsLine(@TempDir java.nio.file.Path dir)
            throws Exception {
        // an S3-compatible server that answers every request 501 NotImplemented, and s3:// mapped onto local files
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] error = ("<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality "
                    + "that is not implemented</Message></Error>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(501, error.length);
            exchange.getResponseBody().write(error);
            exchange.close();
        });
        server.start();
        try {
            Configuration conf = new Configuration(false);
            conf.set("fs.s3.impl", LocalFilesAsS3.class.getName());
            conf.setBoolean("fs.s3.impl.disable.cache", true);
            conf.set("fs.s3a.endpoint", "http://127.0.0.1:" + server.getAddress().getPort());
            conf.set("fs.s3a.path.style.access", "true");
            conf.set("fs.s3a.access.key", "test");
            conf.set("fs.s3a.secret.key", "test");
            S3ConditionalLogStore store = new S3ConditionalLogStore(conf);
            Path version = new Path("s3://no-conditional-puts" + dir.toAbsolutePath() + "/_delta_log/"
                    + "00000000000000000000.json");

            store.write(version, List.of("{\"a\":1}", "{\"b\":2}").iterator(), false, conf);

            assertThat(Files.readString(dir.resolve("_delta_log/00000000000000000000.json")))
                    .isEqualTo("{\"a\":1}\n{\"b\":2}\n");
            // Delta's own store still refuses a version that is there (within this driver)
            assertThatThrownBy(() -> store.write(version, List.of("{\"c\":3}").iterator(), false, conf))
                    .isInstanceOf(FileAlreadyExistsException.class);
        } finally {
            server.stop(0);
        }
    }

    /** {@code s3://<bucket>/<absolute local path>} as that local file, for Delta's own store to write through. */
    public static final class LocalFilesAsS3 extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("s3://no-conditional-puts/");
        }

        @Override
        protected void checkPath(Path path) {
        }
    }

    private static S3Exception error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}
