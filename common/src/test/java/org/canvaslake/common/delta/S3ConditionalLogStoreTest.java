package org.canvaslake.common.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.canvaslake.common.s3.StubS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link S3ConditionalLogStore} does on a store without conditional PUTs (what S3's answers mean and how the
 * client is set up: {@code S3ClientSettingsTest}). Its PUTs against a real S3 API
 * (S3Proxy) are proven in the tests module ({@code S3LakeTest}'s commit cases, and the S3 fault tests).
 */
class S3ConditionalLogStoreTest {

    @Test
    void aStoreWithoutConditionalPutsGetsDeltasOwnWriteEachActionOnItsLine(@TempDir java.nio.file.Path dir)
            throws Exception {
        // an S3-compatible server that answers every request 501 NotImplemented, and s3:// mapped onto local files
        try (StubS3 server = StubS3.notImplemented()) {
            Configuration conf = server.pointS3aAt(new Configuration(false));
            conf.set("fs.s3.impl", LocalFilesAsS3.class.getName());
            conf.setBoolean("fs.s3.impl.disable.cache", true);
            S3ConditionalLogStore store = new S3ConditionalLogStore(conf);
            Path version = new Path("s3://no-conditional-puts" + dir.toAbsolutePath() + "/_delta_log/"
                    + "00000000000000000000.json");

            store.write(version, List.of("{\"a\":1}", "{\"b\":2}").iterator(), false, conf);

            assertThat(Files.readString(dir.resolve("_delta_log/00000000000000000000.json")))
                    .isEqualTo("{\"a\":1}\n{\"b\":2}\n");
            // Delta's own store still refuses a version that is there (within this driver)
            assertThatThrownBy(() -> store.write(version, List.of("{\"c\":3}").iterator(), false, conf))
                    .isInstanceOf(FileAlreadyExistsException.class);
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
}
