package org.canvaslake.common.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.conf.Configuration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * An S3-compatible server that gives every request the same kind of answer, for the answers S3Proxy cannot be made to
 * give on cue. {@link #pointS3aAt} sets S3A's settings (which the commits and leases follow) to reach it.
 */
public final class StubS3 implements AutoCloseable {

    private final HttpServer server;

    private StubS3(HttpServer server) {
        this.server = server;
    }

    /** A store without conditional PUTs: it answers every request 501 NotImplemented, as some do to If-None-Match. */
    public static StubS3 notImplemented() throws IOException {
        return start(exchange -> answer(exchange, 501, "NotImplemented",
                "A header you provided implies functionality that is not implemented"));
    }

    /**
     * A bucket that is not there, as S3Proxy shows it at times: a PUT's connection closed with no answer at all (the
     * refusal came before the body was read), every other request 404 NoSuchBucket.
     */
    public static StubS3 withoutBucket() throws IOException {
        return start(exchange -> {
            if ("PUT".equals(exchange.getRequestMethod())) {
                exchange.getRequestBody().readAllBytes();
                exchange.close(); // no status line sent: the server drops the connection
                return;
            }
            answer(exchange, 404, "NoSuchBucket", "The specified bucket does not exist");
        });
    }

    private static StubS3 start(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", handler);
        server.start();
        return new StubS3(server);
    }

    private static void answer(HttpExchange exchange, int status, String code, String message) throws IOException {
        // the body read first, as S3 does: answered before it, the client's upload could wait on its timeouts (a CI
        // run took 91 s here under load)
        exchange.getRequestBody().readAllBytes();
        byte[] error = ("<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.sendResponseHeaders(status, "HEAD".equals(exchange.getRequestMethod()) ? -1 : error.length);
        if (!"HEAD".equals(exchange.getRequestMethod())) {
            exchange.getResponseBody().write(error);
        }
        exchange.close();
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
