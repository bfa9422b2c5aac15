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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

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
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            // the body read first, as S3 does: answered before it, the client's upload could wait on its timeouts (a
            // CI run took 91 s here under load)
            exchange.getRequestBody().readAllBytes();
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
}
