package org.canvaslake.canvas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.canvaslake.common.http.HttpStats;
import org.canvaslake.common.http.RateLimiter;
import org.canvaslake.common.http.RetryingHttpClient;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.text.Redaction;

import com.fasterxml.jackson.databind.JsonNode;

import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The Canvas REST API as the snapshot job needs it: the four list endpoints, each read page by page by following the
 * {@code Link} header's {@code rel="next"} URL verbatim. Built on the project's one {@link RetryingHttpClient}
 * (retries, backoff, {@code Retry-After}, the shared client-side rate limit), told that Canvas's 403 "Rate Limit
 * Exceeded" means "slow down", and watching {@code X-Rate-Limit-Remaining} through a {@link ThrottleGovernor}.
 * Thread-safe: per-course calls share one client.
 */
public final class CanvasClient {

    /** Every enrollment state, so that the snapshot also sees inactive, completed and deleted enrollments. */
    static final String[] ENROLLMENT_STATES = {"active", "invited", "creation_pending", "deleted", "rejected",
            "completed", "inactive"};

    /** One page as received: its URL (redacted), the JSON body, its items and where the next page is. */
    public record Page(String url, byte[] body, JsonNode items, HttpUrl next) {

        public int objects() {
            return items.size();
        }
    }

    @FunctionalInterface
    public interface PageHandler {
        void accept(Page page) throws IOException;
    }

    /** Requests sent for one entity (retries included) and how many of them Canvas throttled. */
    public static final class Traffic {
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong throttled = new AtomicLong();

        public long requests() {
            return requests.get();
        }

        public long throttled() {
            return throttled.get();
        }
    }

    private final CanvasApiSettings settings;
    private final RetryingHttpClient http;
    private final ThrottleGovernor governor;
    private final Map<CanvasEntity, Traffic> traffic = new EnumMap<>(CanvasEntity.class);

    public CanvasClient(CanvasApiSettings settings) {
        this.settings = settings;
        for (CanvasEntity e : CanvasEntity.values()) {
            traffic.put(e, new Traffic());
        }
        RateLimiter limiter = RateLimiter.perSecond(settings.maxRequestsPerSecond(), settings.concurrency());
        this.governor = new ThrottleGovernor(limiter, settings.lowWaterFraction(), settings.slowdown());
        this.http = RetryingHttpClient.builder("Canvas")
                .timeouts(settings.connectTimeout(), settings.readTimeout())
                .maxAttempts(settings.maxAttempts())
                .backoff(settings.initialBackoff(), settings.maxBackoff())
                .rateLimiter(limiter)
                .throttleSignal((status, body) -> status == 403 && isRateLimitBody(body))
                .responseObserver(this::observe)
                .build();
    }

    public CanvasApiSettings settings() {
        return settings;
    }

    public HttpStats stats() {
        return http.stats();
    }

    public Traffic traffic(CanvasEntity entity) {
        return traffic.get(entity);
    }

    /** Times the client held back because Canvas's remaining quota was low. */
    public long slowdowns() {
        return governor.slowdowns();
    }

    /** The first page of an account-level or per-course list. */
    public HttpUrl firstPage(CanvasEntity entity, Long courseId) {
        HttpUrl.Builder url = settings.baseUrl().newBuilder().addPathSegments("api/v1");
        switch (entity) {
            case USERS -> url.addPathSegment("accounts").addPathSegment(settings.accountId()).addPathSegment("users")
                    // id order is the one Canvas recommends for reading many pages
                    .addQueryParameter("sort", "id")
                    .addQueryParameter("include[]", "email");
            case COURSES -> url.addPathSegment("accounts").addPathSegment(settings.accountId()).addPathSegment("courses")
                    // every state, deleted and completed included
                    .addQueryParameter("state[]", "all");
            case ASSIGNMENTS -> url.addPathSegment("courses").addPathSegment(requireCourse(entity, courseId))
                    .addPathSegment("assignments");
            case ENROLLMENTS -> {
                url.addPathSegment("courses").addPathSegment(requireCourse(entity, courseId))
                        .addPathSegment("enrollments");
                for (String state : ENROLLMENT_STATES) {
                    url.addQueryParameter("state[]", state);
                }
            }
            default -> throw new IllegalArgumentException("No endpoint for " + entity);
        }
        return url.addQueryParameter("per_page", String.valueOf(settings.perPage())).build();
    }

    /**
     * Reads every page of a list, from {@code first} along the {@code rel="next"} links, handing each page to the
     * handler as it arrives. Returns the number of pages. Throws {@link org.canvaslake.common.http.HttpFailure} when
     * a page fails after retries.
     */
    public int list(CanvasEntity entity, HttpUrl first, PageHandler handler) throws IOException {
        Set<String> seen = new HashSet<>();
        HttpUrl url = first;
        int pages = 0;
        while (url != null) {
            if (!seen.add(url.toString())) {
                throw new IllegalStateException("Canvas pagination loops: " + Redaction.redact(url.toString())
                        + " was already read in this list; the Link header's next URL points backwards");
            }
            Page page = fetch(entity, url);
            handler.accept(page);
            pages++;
            url = page.next();
        }
        return pages;
    }

    Page fetch(CanvasEntity entity, HttpUrl url) {
        Request request = new Request.Builder().url(url).get()
                .header("Authorization", "Bearer " + settings.token().reveal())
                .header("Accept", "application/json")
                .tag(CanvasEntity.class, entity)
                .build();
        String safeUrl = RetryingHttpClient.redact(url);
        return http.execute(request, response -> {
            ResponseBody body = response.body();
            byte[] bytes = stripJsonHijackingGuard(body == null ? new byte[0] : body.bytes());
            // an HTML login page or a JSON object is a wrong URL or endpoint: retrying cannot help; a list cut
            // short is an I/O problem: Jackson's IOException lets the client retry it
            JsonNode items = startsWithListBracket(bytes) ? Json.MAPPER.readTree(bytes) : null;
            if (items == null || !items.isArray()) {
                String start = new String(bytes, 0, Math.min(bytes.length, 60), StandardCharsets.UTF_8);
                throw new IllegalStateException("Canvas GET " + safeUrl + " answered " + response.code()
                        + " with something other than a JSON list (it starts with '" + Redaction.redact(start)
                        + "'); check that --canvas-url is the Canvas root, e.g. https://school.instructure.com");
            }
            return new Page(safeUrl, bytes, items, nextPage(url, response.header("Link")));
        });
    }

    /** The next page's URL, resolved against the current one when relative (older Canvas); only on the same host. */
    HttpUrl nextPage(HttpUrl current, String linkHeader) {
        String next = LinkHeader.parse(linkHeader).next().orElse(null);
        if (next == null || next.isBlank()) {
            return null;
        }
        HttpUrl url = current.resolve(next);
        if (url == null) {
            throw new IllegalStateException("Canvas sent a next-page link that is not a URL: "
                    + Redaction.redact(next));
        }
        HttpUrl base = settings.baseUrl();
        if (!url.scheme().equals(base.scheme()) || !url.host().equalsIgnoreCase(base.host()) || url.port() != base.port()) {
            // the bearer token must not travel to another host
            throw new IllegalStateException("Canvas's next-page link points to " + url.scheme() + "://" + url.host()
                    + ":" + url.port() + ", not to --canvas-url " + base.scheme() + "://" + base.host() + ":"
                    + base.port() + "; set --canvas-url to the host Canvas uses in its links");
        }
        return url;
    }

    private void observe(Response response) {
        governor.observe(response);
        CanvasEntity entity = response.request().tag(CanvasEntity.class);
        if (entity == null) {
            return;
        }
        Traffic t = traffic.get(entity);
        t.requests.incrementAndGet();
        int code = response.code();
        if (code == 429 || (code == 403 && isRateLimitBody(peek(response)))) {
            t.throttled.incrementAndGet();
        }
    }

    private static String peek(Response response) {
        try {
            return response.peekBody(512).string();
        } catch (IOException e) {
            return "";
        }
    }

    static boolean isRateLimitBody(String body) {
        return body != null && body.toLowerCase(Locale.ROOT).contains("rate limit exceeded");
    }

    /** Canvas can prefix JSON with {@code while(1);} against JSON hijacking; it is not part of the document. */
    static byte[] stripJsonHijackingGuard(byte[] body) {
        byte[] guard = "while(1);".getBytes(StandardCharsets.US_ASCII);
        if (body.length >= guard.length) {
            for (int i = 0; i < guard.length; i++) {
                if (body[i] != guard[i]) {
                    return body;
                }
            }
            byte[] out = new byte[body.length - guard.length];
            System.arraycopy(body, guard.length, out, 0, out.length);
            return out;
        }
        return body;
    }

    private static boolean startsWithListBracket(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return b == '[';
            }
        }
        return false;
    }

    private static String requireCourse(CanvasEntity entity, Long courseId) {
        if (courseId == null) {
            throw new IllegalArgumentException(entity.folder() + " are listed per course: give a course id");
        }
        return String.valueOf(courseId);
    }
}
