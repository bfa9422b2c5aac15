package org.canvaslake.lander;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import software.amazon.awssdk.services.s3.S3Client;

@ExtendWith(LocalAws.class)
class S3ObjectStoreTest {

    private final S3Client s3 = LocalAws.s3();


    @Test
    void parsesBucketAndPrefixFromS3AndS3aUris() {
        assertThat(S3ObjectStore.at("s3://my-bucket/lake/prod/", s3))
                .satisfies(st -> {
                    assertThat(st.bucket()).isEqualTo("my-bucket");
                    assertThat(st.prefix()).isEqualTo("lake/prod");
                    assertThat(st.objectKey("raw/x.gz")).isEqualTo("lake/prod/raw/x.gz");
                    assertThat(st.describe()).isEqualTo("s3://my-bucket/lake/prod");
                });
        S3ObjectStore root = S3ObjectStore.at("s3a://my-bucket", s3);
        assertThat(root.prefix()).isEmpty();
        assertThat(root.objectKey("raw/x.gz")).isEqualTo("raw/x.gz");
        assertThat(root.describe()).isEqualTo("s3://my-bucket");
    }

    @Test
    void rejectsUrisWithoutBucketOrOfAnotherScheme() {
        assertThatThrownBy(() -> S3ObjectStore.at("s3:///lake", s3)).hasMessageContaining("names no bucket");
        assertThatThrownBy(() -> S3ObjectStore.at("gs://bucket/lake", s3)).hasMessageContaining("Not an S3 lake URI");
    }

    @Test
    void writesUnderThePrefixAndOverwritesTheSameKey() throws IOException {
        String bucket = LocalAws.newBucket(s3);
        S3ObjectStore store = S3ObjectStore.at("s3://" + bucket + "/lake", s3);

        store.put("raw/a.txt", "first".getBytes(StandardCharsets.UTF_8));
        store.put("raw/a.txt", "second".getBytes(StandardCharsets.UTF_8));

        assertThat(s3.listObjectsV2(r -> r.bucket(bucket)).contents()).extracting(o -> o.key())
                .containsExactly("lake/raw/a.txt");
        assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key("lake/raw/a.txt")).asUtf8String())
                .isEqualTo("second");
    }

    @Test
    void aFailedWriteIsAnIOExceptionNamingTheObject() {
        S3ObjectStore store = S3ObjectStore.at("s3://no-such-bucket/lake", s3);

        assertThatThrownBy(() -> store.put("raw/a.txt", new byte[] {1}))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("s3://no-such-bucket/lake/raw/a.txt")
                .hasMessageContaining("bucket exists");
    }
}
