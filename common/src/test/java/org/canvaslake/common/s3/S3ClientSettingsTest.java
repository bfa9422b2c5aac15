package org.canvaslake.common.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.s3.S3Conditional.Refusal;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/** How the commits' and leases' S3 client is set up from S3A's settings, and what S3's refusals mean. */
class S3ClientSettingsTest {

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

        S3ClientSettings a = S3ClientSettings.of(conf, "lake-a");
        assertThat(a.endpoint()).isEqualTo("http://minio.example.edu:9000");
        assertThat(a.pathStyle()).isTrue();
        assertThat(a.accessKey()).isEqualTo("AKIA-shared");
        assertThat(a.toString()).doesNotContain("AKIA-shared").doesNotContain("shared-secret");

        S3ClientSettings b = S3ClientSettings.of(conf, "lake-b");
        assertThat(b.endpoint()).as("AWS's own endpoint: the SDK resolves it from the region").isNull();
        assertThat(b.region()).isEqualTo("eu-west-1");
        assertThat(b.accessKey()).as("a blank per-bucket value falls back to the shared one").isEqualTo("AKIA-shared");

        conf.set("fs.s3a.bucket.lake-c.endpoint", "https://bucket.vpce-0a1b2c3d-4e5f.s3.us-east-1.vpce.amazonaws.com");
        assertThat(S3ClientSettings.of(conf, "lake-c").endpoint()).as("a VPC endpoint is where S3 is reached from here")
                .isEqualTo("https://bucket.vpce-0a1b2c3d-4e5f.s3.us-east-1.vpce.amazonaws.com");
        conf.set("fs.s3a.bucket.lake-d.endpoint", "s3.amazonaws.com");
        assertThat(S3ClientSettings.of(conf, "lake-d").endpoint()).isNull();

        S3ClientSettings none = S3ClientSettings.of(new Configuration(false), "lake");
        assertThat(none.endpoint()).isNull();
        assertThat(none.accessKey()).as("the SDK's chain: the job's role on Glue and EMR").isNull();
    }

    @Test
    void s3aEncryptionSettingsGoOnTheCommitsPut() {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.encryption.algorithm", "SSE-KMS");
        conf.set("fs.s3a.encryption.key", "arn:aws:kms:us-east-1:000000000000:key/lake");
        PutObjectRequest kms = S3ClientSettings.of(conf, "lake").encrypt(PutObjectRequest.builder()).build();
        assertThat(kms.serverSideEncryption()).isEqualTo(ServerSideEncryption.AWS_KMS);
        assertThat(kms.ssekmsKeyId()).isEqualTo("arn:aws:kms:us-east-1:000000000000:key/lake");

        Configuration legacy = new Configuration(false);
        legacy.set("fs.s3a.server-side-encryption-algorithm", "AES256");
        assertThat(S3ClientSettings.of(legacy, "lake").encrypt(PutObjectRequest.builder()).build()
                .serverSideEncryption()).isEqualTo(ServerSideEncryption.AES256);

        assertThat(S3ClientSettings.of(new Configuration(false), "lake").encrypt(PutObjectRequest.builder()).build()
                .serverSideEncryption()).isNull();
    }

    private static S3Exception error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}
