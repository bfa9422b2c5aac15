package org.canvaslake.sandbox.dap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The fake DAP API speaks the protocol and its data follows the institution, commit by commit. */
class FakeDapServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void snapshotThenIncrementalCarryUpsertsAndKeyOnlyDeletesWithinTheirWindow() throws Exception {
        try (FakeDapServer server = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST).withPollsUntilComplete(2))) {
            assertThat(send(server, "POST", "/ids/auth/login", "grant_type=client_credentials", "Basic "
                    + Base64.getEncoder().encodeToString("sandbox-client:wrong".getBytes())).statusCode()).isEqualTo(401);
            String token = login(server);
            assertThat(send(server, "GET", "/dap/query/canvas/table", null, "Bearer nope").statusCode()).isEqualTo(401);

            JsonNode snapshot = run(server, token, "users", "{\"format\": \"jsonl\"}");
            List<JsonNode> all = records(server, token, snapshot);
            assertThat(all).hasSize(Institution.generate(42, Institution.Size.TEST).users().size());
            assertThat(all).allSatisfy(r -> {
                assertThat(r.path("meta").has("action")).isFalse();
                assertThat(r.path("value").has("name")).isTrue();
            });

            server.advance();
            String since = snapshot.get("at").asText();
            JsonNode incremental = run(server, token, "users", "{\"format\": \"jsonl\", \"since\": \"" + since + "\"}");
            List<JsonNode> changes = records(server, token, incremental);
            assertThat(incremental.get("until").asText()).isEqualTo(server.lastCommit().toString());
            assertThat(changes).extracting(r -> r.path("meta").path("action").asText()).contains("U", "D");
            assertThat(changes).allSatisfy(r -> {
                Instant ts = Instant.parse(r.path("meta").path("ts").asText());
                assertThat(ts).isAfter(Instant.parse(since)).isBeforeOrEqualTo(server.lastCommit());
            });
            assertThat(changes).filteredOn(r -> r.path("meta").path("action").asText().equals("D"))
                    .allSatisfy(r -> assertThat(r.has("value")).isFalse());

            JsonNode nothing = run(server, token, "users", "{\"format\": \"jsonl\", \"since\": \""
                    + incremental.get("until").asText() + "\"}");
            assertThat(nothing.get("objects")).isEmpty();

            server.bumpSchema("users");
            JsonNode schema = Json.parse(send(server, "GET", "/dap/query/canvas/table/users/schema", null,
                    "Bearer " + token).body());
            assertThat(schema.get("version").asInt()).isEqualTo(2);
            assertThat(schema.at("/schema/properties/value/properties").has("pronouns")).isTrue();
            assertThat(server.count("create_job")).isEqualTo(3);
        }
    }

    @Test
    void acceptsConfiguredCredentialsAndServesBrokenLinesInEveryJobOfTheirTable() throws Exception {
        try (FakeDapServer server = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST).withPollsUntilComplete(2).withCredentials("my-client", "my-secret"))) {
            String token = login(server);
            assertThat(token).as("tokens name their client").contains("my-client");
            server.addBrokenLines("courses", List.of("not a record", "{\"meta\": {"));

            JsonNode snapshot = run(server, token, "courses", "{\"format\": \"jsonl\"}");
            assertThat(lines(server, token, snapshot)).contains("not a record", "{\"meta\": {");
            server.advance();
            JsonNode incremental = run(server, token, "courses", "{\"format\": \"jsonl\", \"since\": \""
                    + snapshot.get("at").asText() + "\"}");
            assertThat(lines(server, token, incremental)).contains("not a record", "{\"meta\": {");
            assertThat(lines(server, token, run(server, token, "users", "{\"format\": \"jsonl\"}")))
                    .doesNotContain("not a record");
        }
    }

    private String login(FakeDapServer server) throws Exception {
        String basic = Base64.getEncoder().encodeToString((server.clientId() + ":" + server.clientSecret())
                .getBytes(StandardCharsets.UTF_8));
        return Json.parse(send(server, "POST", "/ids/auth/login", "grant_type=client_credentials", "Basic " + basic)
                .body()).get("access_token").asText();
    }

    /** Starts a job and polls it to its end: waiting/running come back as 202, the terminal state as 200. */
    private JsonNode run(FakeDapServer server, String token, String table, String query) throws Exception {
        HttpResponse<String> started = send(server, "POST", "/dap/query/canvas/table/" + table + "/data", query,
                "Bearer " + token);
        assertThat(started.statusCode()).isEqualTo(202);
        String id = Json.parse(started.body()).get("id").asText();
        while (true) {
            HttpResponse<String> polled = send(server, "GET", "/dap/job/" + id, null, "Bearer " + token);
            JsonNode job = Json.parse(polled.body());
            if (polled.statusCode() == 200) {
                assertThat(job.get("status").asText()).isEqualTo("complete");
                return job;
            }
            assertThat(job.get("status").asText()).isIn("waiting", "running");
        }
    }

    private List<JsonNode> records(FakeDapServer server, String token, JsonNode job) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines(server, token, job)) {
            out.add(Json.parse(line));
        }
        return out;
    }

    /** The job's objects, line by line, as downloaded. */
    private List<String> lines(FakeDapServer server, String token, JsonNode job) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode o : job.get("objects")) {
            JsonNode urls = Json.parse(send(server, "POST", "/dap/object/url", "[{\"id\": \"" + o.get("id").asText()
                    + "\"}]", "Bearer " + token).body());
            String url = urls.path("urls").path(o.get("id").asText()).path("url").asText();
            HttpResponse<byte[]> object = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            for (String line : gunzip(object.body()).split("\n")) {
                if (!line.isBlank()) {
                    out.add(line);
                }
            }
        }
        return out;
    }

    private HttpResponse<String> send(FakeDapServer server, String method, String path, String body, String auth)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", auth)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
