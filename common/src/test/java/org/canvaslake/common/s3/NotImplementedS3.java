package org.canvaslake.common.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.conf.Configuration;

import com.sun.net.httpserver.HttpServer;

/**
 * An S3-compatible server without conditional PUTs: it answers every request 501 NotImplemented, as some do to
 * {@code If-None-Match}. {@link #pointS3aAt} sets S3A's settings (which the commits and leases follow) to reach it.
 */
public final class NotImplementedS3 implements AutoCloseable {

    private final HttpServer server;

    private NotImplementedS3(HttpServer server) {
        this.server = server;
    }

    public static NotImplementedS3 start() throws IOException {
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
        return new NotImplementedS3(server);
    }

    /** S3A's endpoint, path style and keys for this server. */
    public Configuration pointS3aAt(Configuration conf) {
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:" + server.getAddress().getPort());
        conf.set("fs.s3a.path.style.access", "true");
        conf.set("fs.s3a.access.key", "test");
        conf.set("fs.s3a.secret.key", "test");
        return conf;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
