package org.canvaslake.sandbox.dap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local stand-in for Instructure's DAP Query API, serving the synthetic institution as Canvas Data 2 tables, on
 * the JDK's own HTTP server (no extra dependency). It behaves like the real service where a client can tell:
 *
 * <ul>
 *   <li>{@code POST /ids/auth/login} with HTTP Basic client id and secret and {@code grant_type=client_credentials}
 *       gives a bearer token that expires after a configurable lifetime; an expired or unknown token gets 401.</li>
 *   <li>{@code GET /dap/query/canvas/table}, {@code .../table/{t}/schema} (versioned JSON schema),
 *       {@code POST .../table/{t}/data} (snapshot, or incremental with {@code since}/{@code until}) starting a job
 *       that goes waiting, running, complete over several polls of {@code GET /dap/job/{id}}.</li>
 *   <li>{@code POST /dap/object/url} trading object ids for "pre-signed" URLs, whose downloads are gzip JSON lines
 *       and need no token (and are refused with one, as S3 refuses two authentication mechanisms).</li>
 *   <li>Errors as {@code {"error": {"type", "uuid", "message"}}}; 429 with {@code Retry-After} when jobs are created
 *       faster than the configured limit; failed jobs on demand or every n-th job; truncated downloads on demand.</li>
 * </ul>
 *
 * <p>Data changes only when told: {@link #advance()} moves the institution one {@link Institution#evolve} step and
 * records a commit at a new timestamp (updates, inserts and hard deletes, each with its {@code meta.ts});
 * {@link #bumpSchema(String)} adds a column to a table and raises its schema version. The commit clock is synthetic,
 * so runs are repeatable.
 */
public final class FakeDapServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeDapServer.class);
    private static final String NAMESPACE = "canvas";
    private static final Instant FIRST_COMMIT = Institution.EPOCH.plus(Duration.ofDays(8)).plusNanos(123_456_000);
    private static final Pattern SCHEMA = Pattern.compile("/dap/query/([^/]+)/table/([^/]+)/schema");
    private static final Pattern DATA = Pattern.compile("/dap/query/([^/]+)/table/([^/]+)/data");
    private static final Pattern TABLES = Pattern.compile("/dap/query/([^/]+)/table");
    private static final Pattern JOB = Pattern.compile("/dap/job/([^/]+)");
    private static final Pattern OBJECT = Pattern.compile("/objects/(.+)");

    /** One query the server answered, for checking a client's since/until chain. */
    public record QueryRecord(String table, String kind, String since, String until, String jobId) {
    }

    private final Settings settings;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Map<String, FakeDapTable> tables = new LinkedHashMap<>();
    private final Map<String, Map<String, List<Version>>> history = new LinkedHashMap<>();
    private final Map<String, Integer> bumps = new ConcurrentHashMap<>();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final Map<String, FakeJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final List<QueryRecord> queries = new ArrayList<>();
    private final Deque<Long> recentJobCreations = new ArrayDeque<>();
    private final Set<String> failNext = ConcurrentHashMap.newKeySet();
    private final Set<String> snapshotRequired = ConcurrentHashMap.newKeySet();
    private final Map<String, List<String>> brokenLines = new ConcurrentHashMap<>();
    private final AtomicLong truncateNext = new AtomicLong();
    private final AtomicLong serverErrorsNext = new AtomicLong();
    private final AtomicLong resetsNext = new AtomicLong();
    private final AtomicLong revokeAfter = new AtomicLong(-1);
    private Institution institution;
    private Instant lastCommit;
    private long jobsCreated;

    private record Version(Instant ts, ObjectNode key, ObjectNode row) {
    }

    private static final class FakeJob {
        final String id;
        final String table;
        final ObjectNode terminal;
        final Instant expiresAt;
        int polls;

        FakeJob(String id, String table, ObjectNode terminal, Instant expiresAt) {
            this.id = id;
            this.table = table;
            this.terminal = terminal;
            this.expiresAt = expiresAt;
        }
    }

    /** How the server behaves; every knob has a default fit for the demo. {@code port} 0 takes any free port. */
    public record Settings(long seed, Institution.Size size, String clientId, String clientSecret,
                           Duration tokenLifetime, int pollsUntilComplete, int jobsPerWindow, Duration jobWindow,
                           int failEveryNthJob, int recordsPerObject, int port) {

        public Settings {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("The fake DAP API's port must be 0 (any free port) to 65535, got "
                        + port);
            }
            if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
                throw new IllegalArgumentException("The token lifetime must be positive, got " + tokenLifetime);
            }
            if (pollsUntilComplete < 0 || jobsPerWindow < 1 || failEveryNthJob < 0 || recordsPerObject < 1) {
                throw new IllegalArgumentException("The fake DAP API needs polls until complete >= 0, jobs per window"
                        + " >= 1, fail every n-th job >= 0 and records per object >= 1; got " + pollsUntilComplete
                        + ", " + jobsPerWindow + ", " + failEveryNthJob + ", " + recordsPerObject);
            }
        }

        public static Settings defaults() {
            return new Settings(42, Institution.Size.DEMO, "sandbox-client", "sandbox-secret", Duration.ofHours(1),
                    2, 50, Duration.ofSeconds(1), 0, 500, 0);
        }

        /** The institution of another seed (the demo, the events and the fake Canvas API use 42). */
        public Settings withSeed(long s) {
            return new Settings(s, size, clientId, clientSecret, tokenLifetime, pollsUntilComplete, jobsPerWindow,
                    jobWindow, failEveryNthJob, recordsPerObject, port);
        }

        public Settings withSize(Institution.Size s) {
            return new Settings(seed, s, clientId, clientSecret, tokenLifetime, pollsUntilComplete, jobsPerWindow,
                    jobWindow, failEveryNthJob, recordsPerObject, port);
        }

        /** The client id and secret the login accepts (e.g. recognisable fakes, to prove they never leak). */
        public Settings withCredentials(String id, String secret) {
            return new Settings(seed, size, id, secret, tokenLifetime, pollsUntilComplete, jobsPerWindow,
                    jobWindow, failEveryNthJob, recordsPerObject, port);
        }

        public Settings withTokenLifetime(Duration d) {
            return new Settings(seed, size, clientId, clientSecret, d, pollsUntilComplete, jobsPerWindow, jobWindow,
                    failEveryNthJob, recordsPerObject, port);
        }

        public Settings withPollsUntilComplete(int n) {
            return new Settings(seed, size, clientId, clientSecret, tokenLifetime, n, jobsPerWindow, jobWindow,
                    failEveryNthJob, recordsPerObject, port);
        }

        /** At most {@code n} jobs created per {@code window}; more get 429 with Retry-After. */
        public Settings withJobLimit(int n, Duration window) {
            return new Settings(seed, size, clientId, clientSecret, tokenLifetime, pollsUntilComplete, n, window,
                    failEveryNthJob, recordsPerObject, port);
        }

        /** Every n-th job created fails (0: none). */
        public Settings withFailEveryNthJob(int n) {
            return new Settings(seed, size, clientId, clientSecret, tokenLifetime, pollsUntilComplete, jobsPerWindow,
                    jobWindow, n, recordsPerObject, port);
        }

        public Settings withRecordsPerObject(int n) {
            return new Settings(seed, size, clientId, clientSecret, tokenLifetime, pollsUntilComplete, jobsPerWindow,
                    jobWindow, failEveryNthJob, n, port);
        }

        /** Listen on this port of 127.0.0.1 (0: any free port). */
        public Settings withPort(int p) {
            return new Settings(seed, size, clientId, clientSecret, tokenLifetime, pollsUntilComplete, jobsPerWindow,
                    jobWindow, failEveryNthJob, recordsPerObject, p);
        }
    }

    private FakeDapServer(Settings settings) throws IOException {
        this.settings = settings;
        for (FakeDapTable t : FakeDapTables.canvas()) {
            tables.put(t.name(), t);
            history.put(t.name(), new LinkedHashMap<>());
            bumps.put(t.name(), 0);
        }
        this.institution = Institution.generate(settings.seed(), settings.size());
        commit(FIRST_COMMIT);
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", settings.port()), 64);
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fake-dap");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
        LOG.info("Fake DAP API listening on {} ({} tables, institution seed {})", baseUrl(), tables.size(),
                settings.seed());
    }

    public static FakeDapServer start(Settings settings) {
        try {
            return new FakeDapServer(settings);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the fake DAP API on 127.0.0.1:" + settings.port() + " ("
                    + e.getMessage() + "); choose another port, or 0 for any free one", e);
        }
    }

    public static FakeDapServer start() {
        return start(Settings.defaults());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    public Settings settings() {
        return settings;
    }

    /** The institution as of the last commit. */
    public synchronized Institution institution() {
        return institution;
    }

    public String clientId() {
        return settings.clientId();
    }

    public String clientSecret() {
        return settings.clientSecret();
    }

    public List<String> tableNames() {
        return List.copyOf(tables.keySet());
    }

    // ---------------------------------------------------------------- controls for demos and tests

    /** The institution one step later, committed at a new timestamp; returns that commit time. */
    public synchronized Instant advance() {
        institution = institution.evolve(1);
        return commit(lastCommit.plus(Duration.ofDays(1)).plusMillis(1_234).plusNanos(567_000));
    }

    /** Adds the table's next extra column (with values for every row) and raises its schema version. */
    public synchronized Instant bumpSchema(String table) {
        FakeDapTable t = table(table);
        int b = bumps.get(table);
        if (b >= t.maxSchemaBumps()) {
            throw new IllegalStateException("Table " + table + " has no further column to add");
        }
        bumps.put(table, b + 1);
        return commit(lastCommit.plus(Duration.ofHours(1)));
    }

    public synchronized int schemaVersion(String table) {
        table(table);
        return 1 + bumps.get(table);
    }

    /** The next job created for this table ends in status failed. */
    public void failNextJob(String table) {
        failNext.add(table);
    }

    /** The next incremental query of this table is refused with SnapshotRequiredError (the table was reloaded). */
    public void requireSnapshot(String table) {
        snapshotRequired.add(table);
    }

    /**
     * From now on every job of the table (snapshot or incremental) carries these lines too, in an object of their
     * own, as a record DAP could not serialise stays in the source until it is fixed.
     */
    public void addBrokenLines(String table, List<String> lines) {
        table(table);
        brokenLines.computeIfAbsent(table, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).addAll(lines);
    }

    /** The next {@code n} object downloads stop halfway through the gzip stream. */
    public void truncateNextDownloads(int n) {
        truncateNext.set(n);
    }

    /** The next {@code n} API requests (any endpoint but login) are answered 503, as in an outage burst. */
    public void failNextRequests(int n) {
        serverErrorsNext.set(n);
    }

    /** The next {@code n} API requests (any endpoint but login) are dropped without an answer (a reset connection). */
    public void resetNextRequests(int n) {
        resetsNext.set(n);
    }

    /** After {@code n} more authorised API requests, every token issued so far stops working (mid-run expiry). */
    public void revokeTokensAfter(int n) {
        revokeAfter.set(n);
    }

    /** Every token issued so far stops working (as if the identity service rotated its keys). */
    public void revokeTokens() {
        tokens.clear();
    }

    public synchronized Instant lastCommit() {
        return lastCommit;
    }

    /** The table as it stands now: one flat JSON object per live row (key and value fields, nulls included). */
    public synchronized List<ObjectNode> currentRows(String table) {
        List<ObjectNode> out = new ArrayList<>();
        for (List<Version> versions : history.get(table(table).name()).values()) {
            Version last = versions.get(versions.size() - 1);
            if (last.row() != null) {
                out.add(last.row().deepCopy());
            }
        }
        return out;
    }

    /** How many requests of a kind the server saw: login, list_tables, schema, create_job, get_job, object_url,
     * download, throttled, unauthorized, failed_jobs, truncated_downloads, server_errors, resets. */
    public long count(String name) {
        AtomicLong c = counters.get(name);
        return c == null ? 0 : c.get();
    }

    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public synchronized List<QueryRecord> queries() {
        return List.copyOf(queries);
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- data

    private synchronized Instant commit(Instant ts) {
        for (FakeDapTable t : tables.values()) {
            Map<String, List<Version>> h = history.get(t.name());
            Map<String, ObjectNode> rows = t.rows(institution, bumps.get(t.name()));
            rows.forEach((key, row) -> {
                List<Version> versions = h.computeIfAbsent(key, k -> new ArrayList<>());
                Version last = versions.isEmpty() ? null : versions.get(versions.size() - 1);
                if (last == null || last.row() == null || !last.row().equals(row)) {
                    versions.add(new Version(ts, t.key(row), row));
                }
            });
            h.forEach((key, versions) -> {
                Version last = versions.get(versions.size() - 1);
                if (last.row() != null && !rows.containsKey(key)) {
                    versions.add(new Version(ts, last.key(), null));
                }
            });
        }
        lastCommit = ts;
        return ts;
    }

    /** Snapshot: every live row as of the last commit. Incremental: rows whose latest change is in (since, until]. */
    private synchronized List<ObjectNode> records(FakeDapTable table, Instant since, Instant until) {
        List<ObjectNode> out = new ArrayList<>();
        for (List<Version> versions : history.get(table.name()).values()) {
            Version v = null;
            for (Version candidate : versions) {
                if (!candidate.ts().isAfter(until)) {
                    v = candidate;
                }
            }
            if (v == null) {
                continue;
            }
            ObjectNode rec = Json.object();
            ObjectNode meta = rec.putObject("meta");
            meta.put("ts", v.ts().toString());
            if (since == null) {
                if (v.row() == null) {
                    continue;
                }
            } else {
                if (!v.ts().isAfter(since)) {
                    continue;
                }
                meta.put("action", v.row() == null ? "D" : "U");
            }
            rec.set("key", v.key());
            if (v.row() != null) {
                ObjectNode value = rec.putObject("value");
                Set<String> keys = new HashSet<>(table.keyNames());
                v.row().fields().forEachRemaining(e -> {
                    // DAP omits properties whose value is null
                    if (!keys.contains(e.getKey()) && !e.getValue().isNull()) {
                        value.set(e.getKey(), e.getValue());
                    }
                });
            }
            out.add(rec);
        }
        return out;
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getPath();
            Matcher m;
            if (!path.equals("/ids/auth/login") && resetsNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                increment("resets");
                return; // closed in finally without a status line: the client sees the connection end
            }
            if (!path.equals("/ids/auth/login") && serverErrorsNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                increment("server_errors");
                throw new HttpError(503, "ServiceUnavailable", "The service is briefly unavailable", Map.of());
            }
            if (path.equals("/ids/auth/login")) {
                requireMethod(ex, "POST");
                login(ex);
            } else if ((m = OBJECT.matcher(path)).matches()) {
                requireMethod(ex, "GET");
                download(ex, URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
            } else if (!path.startsWith("/dap/")) {
                error(ex, 404, "ObjectNotFound", "No such endpoint: " + path);
            } else if (authorized(ex)) {
                if ((m = SCHEMA.matcher(path)).matches()) {
                    requireMethod(ex, "GET");
                    schema(ex, m.group(1), m.group(2));
                } else if ((m = DATA.matcher(path)).matches()) {
                    requireMethod(ex, "POST");
                    createJob(ex, m.group(1), m.group(2));
                } else if ((m = TABLES.matcher(path)).matches()) {
                    requireMethod(ex, "GET");
                    listTables(ex, m.group(1));
                } else if ((m = JOB.matcher(path)).matches()) {
                    requireMethod(ex, "GET");
                    getJob(ex, m.group(1));
                } else if (path.equals("/dap/object/url")) {
                    requireMethod(ex, "POST");
                    objectUrls(ex);
                } else {
                    error(ex, 404, "ObjectNotFound", "No such endpoint: " + path);
                }
            }
        } catch (HttpError e) {
            respondError(ex, e.status, e.type, e.getMessage(), e.headers);
        } catch (IOException | RuntimeException e) {
            LOG.error("Fake DAP API failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
            respondError(ex, 500, "ProcessingError", "Internal error: " + e.getMessage(), Map.of());
        } finally {
            ex.close();
        }
    }

    private static final class HttpError extends RuntimeException {
        final int status;
        final String type;
        final Map<String, String> headers;

        HttpError(int status, String type, String message, Map<String, String> headers) {
            super(message);
            this.status = status;
            this.type = type;
            this.headers = headers;
        }
    }

    private static void error(HttpExchange ex, int status, String type, String message) {
        throw new HttpError(status, type, message, Map.of());
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
            throw new HttpError(405, "ValidationError", "Method " + ex.getRequestMethod() + " not allowed", Map.of());
        }
    }

    private void login(HttpExchange ex) throws IOException {
        increment("login");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!body.contains("grant_type=client_credentials")) {
            error(ex, 400, "ValidationError", "grant_type must be client_credentials");
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString(
                (settings.clientId() + ":" + settings.clientSecret()).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
            increment("unauthorized");
            error(ex, 401, "AuthenticationError", "Invalid client credentials");
        }
        // the token names its client, so a test whose client id is recognisable finds a leaked token too
        String token = "sandbox." + settings.clientId().replaceAll("[^A-Za-z0-9_-]", "_") + "."
                + UUID.randomUUID().toString().replace("-", "");
        tokens.put(token, Instant.now().plus(settings.tokenLifetime()));
        ObjectNode out = Json.object().put("access_token", token).put("token_type", "Bearer")
                .put("expires_in", Math.max(1, settings.tokenLifetime().toSeconds()));
        respond(ex, 200, out);
    }

    private boolean authorized(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        if (revokeAfter.getAndUpdate(n -> n >= 0 ? n - 1 : n) == 0) {
            tokens.clear();
        }
        Instant expiry = token == null ? null : tokens.get(token);
        if (expiry == null || Instant.now().isAfter(expiry)) {
            increment("unauthorized");
            error(ex, 401, "AuthenticationError", expiry == null ? "Missing or unknown access token"
                    : "Access token expired");
        }
        return true;
    }

    private FakeDapTable namespaceTable(String namespace, String table) {
        if (!NAMESPACE.equals(namespace)) {
            throw new HttpError(404, "ObjectNotFound", "Namespace " + namespace + " does not exist", Map.of());
        }
        FakeDapTable t = tables.get(table);
        if (t == null) {
            throw new HttpError(404, "ObjectNotFound", "Table " + table + " does not exist in namespace " + namespace,
                    Map.of());
        }
        return t;
    }

    private FakeDapTable table(String name) {
        FakeDapTable t = tables.get(name);
        if (t == null) {
            throw new IllegalArgumentException("The fake DAP API has no table " + name + "; it has " + tables.keySet());
        }
        return t;
    }

    private void listTables(HttpExchange ex, String namespace) throws IOException {
        increment("list_tables");
        if (!NAMESPACE.equals(namespace)) {
            error(ex, 404, "ObjectNotFound", "Namespace " + namespace + " does not exist");
        }
        ObjectNode out = Json.object();
        ArrayNode arr = out.putArray("tables");
        tables.keySet().forEach(arr::add);
        respond(ex, 200, out);
    }

    private void schema(HttpExchange ex, String namespace, String table) throws IOException {
        increment("schema");
        FakeDapTable t = namespaceTable(namespace, table);
        ObjectNode schema;
        synchronized (this) {
            schema = t.versionedSchema(schemaVersion(table), bumps.get(table));
        }
        respond(ex, 200, schema);
    }

    private void createJob(HttpExchange ex, String namespace, String table) throws IOException {
        increment("create_job");
        FakeDapTable t = namespaceTable(namespace, table);
        throttleJobCreation();
        JsonNode query = readJson(ex);
        if (!"jsonl".equals(query.path("format").asText())) {
            error(ex, 400, "ValidationError", "The sandbox serves format jsonl only, got " + query.path("format"));
        }
        String jobId = UUID.randomUUID().toString();
        ObjectNode terminal;
        synchronized (this) {
            jobsCreated++;
            boolean fail = failNext.remove(table)
                    || (settings.failEveryNthJob() > 0 && jobsCreated % settings.failEveryNthJob() == 0);
            terminal = Json.object().put("id", jobId);
            String sinceText = query.path("since").asText(null);
            Instant since = sinceText == null ? null : parseTime(ex, sinceText, "since");
            if (since != null && snapshotRequired.remove(table)) {
                throw new HttpError(400, "SnapshotRequiredError", "Table " + table
                        + " was reloaded; take a new snapshot before querying incremental changes", Map.of());
            }
            String untilText = query.path("until").asText(null);
            Instant until = untilText == null ? lastCommit : parseTime(ex, untilText, "until");
            if (since != null && until.isBefore(since)) {
                until = since;
            }
            if (fail) {
                increment("failed_jobs");
                terminal.put("status", "failed");
                terminal.putObject("error").put("type", "ProcessingError").put("uuid", UUID.randomUUID().toString())
                        .put("message", "Query execution failed (failure injected by the sandbox)");
            } else {
                List<ObjectNode> records = records(t, since, until);
                terminal.put("status", "complete");
                ArrayNode objs = terminal.putArray("objects");
                int per = Math.max(1, settings.recordsPerObject());
                for (int i = 0; i < records.size(); i += per) {
                    String objectId = jobId + "/part-" + String.format("%05d", i / per) + ".json.gz";
                    objects.put(objectId, gzipLines(records.subList(i, Math.min(records.size(), i + per))));
                    objs.addObject().put("id", objectId);
                }
                List<String> broken = brokenLines.getOrDefault(table, List.of());
                if (!broken.isEmpty()) {
                    String objectId = jobId + "/part-broken.json.gz";
                    objects.put(objectId, gzipText(broken));
                    objs.addObject().put("id", objectId);
                }
                terminal.put("schema_version", schemaVersion(table));
                if (since == null) {
                    terminal.put("at", lastCommit.toString());
                } else {
                    terminal.put("since", sinceText).put("until", until.toString());
                }
            }
            queries.add(new QueryRecord(table, since == null ? "snapshot" : "incremental", sinceText,
                    fail ? null : since == null ? lastCommit.toString() : until.toString(), jobId));
        }
        Instant expires = Instant.now().plus(Duration.ofHours(24));
        terminal.put("expires_at", expires.toString());
        jobs.put(jobId, new FakeJob(jobId, table, terminal, expires));
        if (settings.pollsUntilComplete() <= 0) {
            respond(ex, 200, terminal);
        } else {
            respond(ex, 202, Json.object().put("id", jobId).put("status", "waiting").put("expires_at", expires.toString()));
        }
    }

    private void throttleJobCreation() {
        long now = System.nanoTime();
        long window = settings.jobWindow().toNanos();
        synchronized (recentJobCreations) {
            while (!recentJobCreations.isEmpty() && now - recentJobCreations.peekFirst() > window) {
                recentJobCreations.pollFirst();
            }
            if (recentJobCreations.size() >= settings.jobsPerWindow()) {
                increment("throttled");
                long waitNanos = window - (now - recentJobCreations.peekFirst());
                long seconds = Math.max(1, (long) Math.ceil(waitNanos / 1e9));
                throw new HttpError(429, "TooManyRequests", "Query job rate limit exceeded; retry after " + seconds
                        + " s", Map.of("Retry-After", String.valueOf(seconds)));
            }
            recentJobCreations.addLast(now);
        }
    }

    private static Instant parseTime(HttpExchange ex, String text, String field) {
        try {
            return Instant.parse(text);
        } catch (RuntimeException e) {
            throw new HttpError(400, "ValidationError", "'" + field + "' is not an ISO-8601 date-time: " + text,
                    Map.of());
        }
    }

    private void getJob(HttpExchange ex, String id) throws IOException {
        increment("get_job");
        FakeJob job = jobs.get(id);
        if (job == null) {
            ObjectNode body = Json.object();
            body.putObject("error").put("type", "ObjectNotFound").put("uuid", UUID.randomUUID().toString())
                    .put("message", "Job does not exist.").put("id", id).put("kind", "job");
            respond(ex, 404, body);
            return;
        }
        int polls;
        synchronized (job) {
            polls = ++job.polls;
        }
        if (polls < settings.pollsUntilComplete()) {
            respond(ex, 202, Json.object().put("id", id).put("status", polls == 1 && settings.pollsUntilComplete() > 2
                    ? "waiting" : "running").put("expires_at", job.expiresAt.toString()));
        } else {
            respond(ex, 200, job.terminal);
        }
    }

    private void objectUrls(HttpExchange ex) throws IOException {
        increment("object_url");
        JsonNode body = readJson(ex);
        if (!body.isArray()) {
            error(ex, 400, "ValidationError", "Expected a JSON array of {\"id\": ...} objects");
        }
        ObjectNode out = Json.object();
        ObjectNode urls = out.putObject("urls");
        for (JsonNode o : body) {
            String id = o.path("id").asText();
            if (!objects.containsKey(id)) {
                ObjectNode err = Json.object();
                err.putObject("error").put("type", "ObjectNotFound").put("uuid", UUID.randomUUID().toString())
                        .put("message", "Object does not exist or has expired.").put("id", id).put("kind", "object");
                respond(ex, 404, err);
                return;
            }
            urls.putObject(id).put("url", baseUrl() + "/objects/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                    + "?X-Amz-Expires=900&X-Amz-Signature=" + UUID.randomUUID().toString().replace("-", ""));
        }
        respond(ex, 200, out);
    }

    private void download(HttpExchange ex, String objectId) throws IOException {
        increment("download");
        if (ex.getRequestHeaders().getFirst("Authorization") != null) {
            error(ex, 400, "InvalidArgument", "Only one auth mechanism allowed: the URL is pre-signed");
        }
        byte[] bytes = objects.get(objectId);
        if (bytes == null) {
            error(ex, 404, "NoSuchKey", "The specified key does not exist.");
        }
        if (truncateNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            increment("truncated_downloads");
            bytes = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        }
        ex.getResponseHeaders().set("Content-Type", "application/gzip");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static byte[] gzipLines(List<ObjectNode> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (ObjectNode r : records) {
                gz.write(Json.write(r).getBytes(StandardCharsets.UTF_8));
                gz.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] gzipText(List<String> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (String line : lines) {
                gz.write(line.getBytes(StandardCharsets.UTF_8));
                gz.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static JsonNode readJson(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new HttpError(400, "ValidationError", "Request body is not JSON: " + e.getMessage(), Map.of());
        }
    }

    private void increment(String name) {
        counters.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
    }

    private static void respond(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void respondError(HttpExchange ex, int status, String type, String message,
                                     Map<String, String> headers) {
        try {
            ObjectNode body = Json.object();
            body.putObject("error").put("type", type).put("uuid", UUID.randomUUID().toString()).put("message", message);
            headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            respond(ex, status, body);
        } catch (IOException e) {
            LOG.debug("Could not send error response: {}", e.getMessage());
        }
    }
}
