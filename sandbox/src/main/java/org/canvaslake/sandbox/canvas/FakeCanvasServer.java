package org.canvaslake.sandbox.canvas;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local stand-in for the Canvas REST API, serving a sandbox {@link Institution} (local ids) on the JDK's HTTP
 * server. It behaves the way a client must be ready for:
 * <ul>
 *   <li>{@code GET /api/v1/accounts/:id/users}, {@code /accounts/:id/courses}, {@code /courses/:id/assignments},
 *       {@code /courses/:id/enrollments}; the account is {@code self} or the root account's id;</li>
 *   <li>a bearer token is required (401 otherwise, with Canvas's error body), and may be revoked mid-run;</li>
 *   <li>paging by {@code Link} header ({@code rel="current"}, {@code "next"}, {@code "first"}; no {@code "last"})
 *       whose {@code page} values are opaque bookmarks; {@code per_page} defaults to 10 and is capped;</li>
 *   <li>a leaky-bucket throttle reporting {@code X-Request-Cost} and {@code X-Rate-Limit-Remaining} and refusing
 *       requests that would overflow it with 403 "Rate Limit Exceeded" (or 429);</li>
 *   <li>occasional 500/503 answers at a configured rate, deterministic from a seed;</li>
 *   <li>a course that can be made to answer 404 (as if deleted mid-run), and {@link #setSnapshot} to serve a later
 *       version of the institution.</li>
 * </ul>
 * Request counters let tests check what a client did.
 */
public final class FakeCanvasServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeCanvasServer.class);

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, each response then waits
        // for the client's delayed ACK (~40 ms). Read once, when the JDK's server config class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    public static final String DEFAULT_TOKEN = "sandbox-token";
    public static final String RATE_LIMIT_EXCEEDED = "Rate Limit Exceeded";

    private static final Pattern ACCOUNT_LIST = Pattern.compile("/api/v1/accounts/([^/]+)/(users|courses)/?");
    private static final Pattern COURSE_LIST = Pattern.compile("/api/v1/courses/([^/]+)/(assignments|enrollments)/?");
    private static final Set<String> DEFAULT_ENROLLMENT_STATES = Set.of("active", "invited");

    /** The four lists the fake serves. */
    public enum Endpoint { USERS, COURSES, ASSIGNMENTS, ENROLLMENTS }

    /**
     * How the fake behaves.
     *
     * @param port           0 picks a free port
     * @param maxPerPage     larger {@code per_page} requests are capped to this
     * @param bucketCapacity the throttle's quota; {@code X-Rate-Limit-Remaining} counts down from it
     * @param leakPerSecond  how fast the quota comes back
     * @param requestCost    what one request costs ({@code X-Request-Cost})
     * @param throttleStatus 403 (self-hosted Canvas) or 429 (hosted Canvas)
     * @param errorRate      share of admitted requests answered with 500/503, from 0 to 1
     * @param errorSeed      makes the sequence of failing requests repeatable
     */
    public record Settings(int port, String token, int defaultPerPage, int maxPerPage, double bucketCapacity,
                           double leakPerSecond, double requestCost, int throttleStatus, double errorRate,
                           long errorSeed) {

        public Settings {
            Objects.requireNonNull(token, "token");
            if (maxPerPage < 1 || defaultPerPage < 1) {
                throw new IllegalArgumentException("per_page limits must be at least 1, got default " + defaultPerPage
                        + " and max " + maxPerPage);
            }
            if (throttleStatus != 403 && throttleStatus != 429) {
                throw new IllegalArgumentException("Canvas throttles with 403 or 429, got " + throttleStatus);
            }
            if (errorRate < 0 || errorRate > 1) {
                throw new IllegalArgumentException("errorRate must be between 0 and 1, got " + errorRate);
            }
        }

        /** Canvas-like defaults: 10 per page unless asked, at most 100; a generous bucket; no errors. */
        public static Settings defaults() {
            return new Settings(0, DEFAULT_TOKEN, 10, 100, 600, 60, 1.0, 403, 0.0, 1);
        }

        public Settings withPort(int p) {
            return new Settings(p, token, defaultPerPage, maxPerPage, bucketCapacity, leakPerSecond, requestCost,
                    throttleStatus, errorRate, errorSeed);
        }

        public Settings withToken(String t) {
            return new Settings(port, t, defaultPerPage, maxPerPage, bucketCapacity, leakPerSecond, requestCost,
                    throttleStatus, errorRate, errorSeed);
        }

        public Settings withMaxPerPage(int max) {
            return new Settings(port, token, Math.min(defaultPerPage, max), max, bucketCapacity, leakPerSecond,
                    requestCost, throttleStatus, errorRate, errorSeed);
        }

        public Settings withBucket(double capacity, double leak, double cost) {
            return new Settings(port, token, defaultPerPage, maxPerPage, capacity, leak, cost, throttleStatus,
                    errorRate, errorSeed);
        }

        public Settings withThrottleStatus(int status) {
            return new Settings(port, token, defaultPerPage, maxPerPage, bucketCapacity, leakPerSecond, requestCost,
                    status, errorRate, errorSeed);
        }

        public Settings withErrors(double rate, long seed) {
            return new Settings(port, token, defaultPerPage, maxPerPage, bucketCapacity, leakPerSecond, requestCost,
                    throttleStatus, rate, seed);
        }
    }

    /** What the fake has answered so far. */
    public record Counters(long requests, long ok, long throttled, long serverErrors, long unauthorized,
                           long notFound, long badRequests, double maxBucketLevel, double bucketCapacity) {
    }

    private final Settings settings;
    private final HttpServer server;
    private final ExecutorService executor;
    private final LeakyBucket bucket;
    private final Set<Long> failingCourses = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong unauthorized = new AtomicLong();
    private final AtomicLong notFound = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final Map<Endpoint, AtomicLong> pagesServed = new EnumMap<>(Endpoint.class);
    private volatile Snapshot snapshot;
    /** Requests after which the token counts as revoked ({@link #revokeTokenAfter}); never by default. */
    private volatile long revokedAfter = Long.MAX_VALUE;

    private FakeCanvasServer(Institution institution, Settings settings) throws IOException {
        this.settings = settings;
        this.bucket = new LeakyBucket(settings.bucketCapacity(), settings.leakPerSecond(), System::nanoTime);
        for (Endpoint e : Endpoint.values()) {
            pagesServed.put(e, new AtomicLong());
        }
        this.snapshot = new Snapshot(institution);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", settings.port()), 64);
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fake-canvas");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Starts serving the institution; close it to stop. */
    public static FakeCanvasServer start(Institution institution, Settings settings) {
        try {
            FakeCanvasServer fake = new FakeCanvasServer(institution, settings);
            fake.server.start();
            LOG.info("Fake Canvas REST API on {} serving institution seed {} version {} ({} users, {} courses)",
                    fake.baseUrl(), institution.seed(), institution.version(), institution.users().size(),
                    institution.courses().size());
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the fake Canvas API on port " + settings.port() + ": "
                    + e.getMessage() + " (pick another --port, or 0 for any free port)", e);
        }
    }

    public static FakeCanvasServer start(Institution institution) {
        return start(institution, Settings.defaults());
    }

    /** The base URL a client is configured with, e.g. {@code http://127.0.0.1:53124} (no trailing slash). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String token() {
        return settings.token();
    }

    public Settings settings() {
        return settings;
    }

    /** Serves a later (or any other) version of the institution from the next request on. */
    public void setSnapshot(Institution institution) {
        this.snapshot = new Snapshot(institution);
    }

    public Institution institution() {
        return snapshot.institution;
    }

    /** From now on every call under {@code /courses/:id/} answers 404, as for a course deleted mid-run. */
    public void failCourse(long courseId) {
        failingCourses.add(courseId);
    }

    public void restoreCourse(long courseId) {
        failingCourses.remove(courseId);
    }

    /**
     * The token is revoked once this many requests have come in (counting every request so far): each later one
     * answers 401 "Invalid access token.", as Canvas does for a token deleted or expired mid-run.
     */
    public void revokeTokenAfter(long requestsServed) {
        revokedAfter = requestsServed;
    }

    public Counters counters() {
        return new Counters(requests.get(), ok.get(), throttled.get(), serverErrors.get(), unauthorized.get(),
                notFound.get(), badRequests.get(), bucket.maxLevel(), bucket.capacity());
    }

    /** Successful pages served from one endpoint. */
    public long pagesServed(Endpoint endpoint) {
        return pagesServed.get(endpoint).get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            long request = requests.incrementAndGet();
            if (!"GET".equals(ex.getRequestMethod())) {
                badRequests.incrementAndGet();
                send(ex, 405, CanvasObjects.error("Only GET is served by the sandbox").toString(), null);
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || auth.isBlank()) {
                unauthorized.incrementAndGet();
                send(ex, 401, "{\"status\":\"unauthenticated\",\"errors\":[{\"message\":\"user authorization required\"}]}",
                        null);
                return;
            }
            if (!auth.equals("Bearer " + settings.token()) || request > revokedAfter) {
                unauthorized.incrementAndGet();
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"canvas-lms\"");
                send(ex, 401, CanvasObjects.error("Invalid access token.").toString(), null);
                return;
            }
            LeakyBucket.Decision decision = bucket.offer(settings.requestCost());
            if (!decision.admitted()) {
                throttled.incrementAndGet();
                String reason = settings.throttleStatus() == 403 ? "403 Forbidden" : "429 Too Many Requests";
                send(ex, settings.throttleStatus(), reason + " (" + RATE_LIMIT_EXCEEDED + ")\n", decision);
                return;
            }
            long n = admitted.incrementAndGet();
            if (settings.errorRate() > 0
                    && new SplittableRandom(settings.errorSeed() * 1_000_003L + n).nextDouble() < settings.errorRate()) {
                serverErrors.incrementAndGet();
                int status = n % 2 == 0 ? 503 : 500;
                send(ex, status, status == 503 ? "<html><body>Service Unavailable</body></html>"
                        : CanvasObjects.error("An error occurred.").toString(), decision);
                return;
            }
            route(ex, decision);
        } catch (RuntimeException | IOException e) {
            LOG.warn("Fake Canvas failed to answer {}: {}", ex.getRequestURI(), e.toString());
        }
    }

    private void route(HttpExchange ex, LeakyBucket.Decision decision) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        Query query = Query.parse(ex.getRequestURI().getRawQuery());
        Snapshot snap = snapshot;
        if (!path.startsWith("/api/")) {
            // Canvas's web UI answers with a page, not JSON: what a client sees with a wrong --canvas-url path
            ok.incrementAndGet();
            send(ex, 200, "<!DOCTYPE html><html><head><title>Log In to Canvas</title></head><body></body></html>",
                    decision);
            return;
        }
        Matcher account = ACCOUNT_LIST.matcher(path);
        Matcher course = COURSE_LIST.matcher(path);
        if (account.matches()) {
            String id = account.group(1);
            if (!id.equals("self") && !id.equals(String.valueOf(Institution.ROOT_ACCOUNT_ID))) {
                notFound(ex, decision);
                return;
            }
            if (account.group(2).equals("users")) {
                boolean email = query.all("include[]").contains("email");
                page(ex, decision, query, Endpoint.USERS, snap.users, Institution.User::id,
                        u -> CanvasObjects.user(u, email));
            } else {
                List<String> states = query.all("state[]");
                List<Institution.Course> courses = snap.courses.stream()
                        .filter(c -> courseStateMatches(c.workflowState(), states)).toList();
                String base = baseOf(ex);
                page(ex, decision, query, Endpoint.COURSES, courses, Institution.Course::id,
                        c -> CanvasObjects.course(c, base));
            }
            return;
        }
        if (course.matches()) {
            Long courseId = parseId(course.group(1));
            if (courseId == null || !snap.coursesById.containsKey(courseId) || failingCourses.contains(courseId)) {
                notFound(ex, decision);
                return;
            }
            String base = baseOf(ex);
            if (course.group(2).equals("assignments")) {
                List<Institution.Assignment> list = snap.assignmentsByCourse.getOrDefault(courseId, List.of());
                Map<Long, Integer> position = new HashMap<>();
                for (int i = 0; i < list.size(); i++) {
                    position.put(list.get(i).id(), i + 1);
                }
                page(ex, decision, query, Endpoint.ASSIGNMENTS, list, Institution.Assignment::id,
                        a -> CanvasObjects.assignment(a, position.get(a.id()), base));
            } else {
                List<String> states = query.all("state[]");
                Institution.Course c = snap.coursesById.get(courseId);
                List<Institution.Enrollment> list = snap.enrollmentsByCourse.getOrDefault(courseId, List.of()).stream()
                        .filter(e -> states.isEmpty() ? DEFAULT_ENROLLMENT_STATES.contains(e.enrollmentState())
                                : states.contains(e.enrollmentState()))
                        .toList();
                page(ex, decision, query, Endpoint.ENROLLMENTS, list, Institution.Enrollment::id,
                        e -> CanvasObjects.enrollment(e, snap.usersById.get(e.userId()), c, base));
            }
            return;
        }
        notFound(ex, decision);
    }

    /** Canvas lists every state but deleted unless asked; "all" includes deleted. */
    private static boolean courseStateMatches(String state, List<String> requested) {
        if (requested.isEmpty()) {
            return !"deleted".equals(state);
        }
        return requested.contains("all") || requested.contains(state);
    }

    private <T> void page(HttpExchange ex, LeakyBucket.Decision decision, Query query, Endpoint endpoint,
                          List<T> items, ToLongFunction<T> id, Function<T, JsonNode> render) throws IOException {
        int perPage = settings.defaultPerPage();
        String requested = query.first("per_page");
        if (requested != null) {
            try {
                perPage = Math.max(1, Math.min(settings.maxPerPage(), Integer.parseInt(requested.trim())));
            } catch (NumberFormatException e) {
                perPage = settings.defaultPerPage();
            }
        }
        long after;
        String page = query.first("page");
        if (page == null || page.equals("first") || page.equals("1")) {
            after = Long.MIN_VALUE;
        } else if (page.startsWith("bookmark:")) {
            Long decoded = Bookmark.decode(page.substring("bookmark:".length()));
            if (decoded == null) {
                badRequests.incrementAndGet();
                send(ex, 400, CanvasObjects.error("invalid page bookmark").toString(), decision);
                return;
            }
            after = decoded;
        } else {
            badRequests.incrementAndGet();
            send(ex, 400, CanvasObjects.error("page must be 'first' or a bookmark from a Link header").toString(),
                    decision);
            return;
        }
        List<T> slice = new ArrayList<>();
        boolean more = false;
        for (T item : items) {
            if (id.applyAsLong(item) <= after) {
                continue;
            }
            if (slice.size() == perPage) {
                more = true;
                break;
            }
            slice.add(item);
        }
        ArrayNode body = Json.MAPPER.createArrayNode();
        slice.forEach(item -> body.add(render.apply(item)));

        String self = baseOf(ex) + ex.getRequestURI().getRawPath() + "?";
        String others = query.rawExcept("page", "per_page");
        String prefix = self + (others.isEmpty() ? "" : others + "&");
        List<String> links = new ArrayList<>();
        links.add("<" + prefix + "page=" + (page == null ? "first" : page) + "&per_page=" + perPage + ">; rel=\"current\"");
        if (more) {
            String next = "bookmark:" + Bookmark.encode(id.applyAsLong(slice.get(slice.size() - 1)));
            links.add("<" + prefix + "page=" + next + "&per_page=" + perPage + ">; rel=\"next\"");
        }
        links.add("<" + prefix + "page=first&per_page=" + perPage + ">; rel=\"first\"");
        // entries separated by "," without a space, as captured from a live Canvas
        ex.getResponseHeaders().add("Link", String.join(",", links));
        ok.incrementAndGet();
        pagesServed.get(endpoint).incrementAndGet();
        send(ex, 200, body.toString(), decision);
    }

    private void notFound(HttpExchange ex, LeakyBucket.Decision decision) throws IOException {
        notFound.incrementAndGet();
        send(ex, 404, CanvasObjects.error("The specified resource does not exist.").toString(), decision);
    }

    private static void send(HttpExchange ex, int status, String body, LeakyBucket.Decision decision)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        var headers = ex.getResponseHeaders();
        headers.add("Content-Type", body.startsWith("{") || body.startsWith("[") ? "application/json; charset=utf-8"
                : body.startsWith("<") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
        if (decision != null) {
            headers.add("X-Request-Cost", format(decision.cost()));
            headers.add("X-Rate-Limit-Remaining", format(decision.remaining()));
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String baseOf(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || host.isBlank()) {
            host = "127.0.0.1:" + ex.getLocalAddress().getPort();
        }
        return "http://" + host;
    }

    private static Long parseId(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The institution, indexed the way the endpoints read it: sorted by id, grouped by course. */
    private static final class Snapshot {
        final Institution institution;
        final List<Institution.User> users;
        final List<Institution.Course> courses;
        final Map<Long, Institution.Course> coursesById;
        final Map<Long, Institution.User> usersById;
        final Map<Long, List<Institution.Assignment>> assignmentsByCourse;
        final Map<Long, List<Institution.Enrollment>> enrollmentsByCourse;

        Snapshot(Institution institution) {
            this.institution = institution;
            this.users = institution.users().stream().sorted(Comparator.comparingLong(Institution.User::id)).toList();
            this.courses = institution.courses().stream().sorted(Comparator.comparingLong(Institution.Course::id))
                    .toList();
            this.coursesById = courses.stream().collect(Collectors.toMap(Institution.Course::id, c -> c));
            this.usersById = users.stream().collect(Collectors.toMap(Institution.User::id, u -> u));
            this.assignmentsByCourse = institution.assignments().stream()
                    .sorted(Comparator.comparingLong(Institution.Assignment::id))
                    .collect(Collectors.groupingBy(Institution.Assignment::courseId, Collectors.toList()));
            this.enrollmentsByCourse = institution.enrollments().stream()
                    .sorted(Comparator.comparingLong(Institution.Enrollment::id))
                    .collect(Collectors.groupingBy(Institution.Enrollment::courseId, Collectors.toList()));
        }
    }

    /** Opaque page cursors: base64url of a JSON array holding the last id served, like Canvas bookmarks. */
    static final class Bookmark {
        private Bookmark() {
        }

        static String encode(long lastId) {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(("[" + lastId + "]").getBytes(StandardCharsets.UTF_8));
        }

        static Long decode(String token) {
            try {
                JsonNode node = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token));
                return node.isArray() && node.size() == 1 && node.get(0).canConvertToLong() ? node.get(0).asLong()
                        : null;
            } catch (IOException | IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** A query string kept in its raw order, with decoded look-ups (repeated keys such as {@code state[]}). */
    private record Query(List<String[]> pairs) {

        static Query parse(String raw) {
            List<String[]> pairs = new ArrayList<>();
            if (raw != null && !raw.isEmpty()) {
                for (String part : raw.split("&")) {
                    if (part.isEmpty()) {
                        continue;
                    }
                    int eq = part.indexOf('=');
                    String rawKey = eq < 0 ? part : part.substring(0, eq);
                    String rawValue = eq < 0 ? "" : part.substring(eq + 1);
                    pairs.add(new String[] {rawKey, rawValue, decode(rawKey), decode(rawValue)});
                }
            }
            return new Query(pairs);
        }

        String first(String key) {
            return pairs.stream().filter(p -> p[2].equals(key)).map(p -> p[3]).findFirst().orElse(null);
        }

        List<String> all(String key) {
            return pairs.stream().filter(p -> p[2].equals(key)).map(p -> p[3]).toList();
        }

        String rawExcept(String... keys) {
            Set<String> skip = Set.of(keys);
            return pairs.stream().filter(p -> !skip.contains(p[2])).map(p -> p[0] + "=" + p[1])
                    .collect(Collectors.joining("&"));
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }
    }
}
