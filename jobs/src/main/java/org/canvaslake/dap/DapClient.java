package org.canvaslake.dap;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import org.canvaslake.common.http.HttpFailure;
import org.canvaslake.common.http.HttpStats;
import org.canvaslake.common.http.RateLimiter;
import org.canvaslake.common.http.RetryingHttpClient;
import org.canvaslake.common.http.Sleeper;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.secrets.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Our client of Instructure's DAP Query API, on the project's one HTTP base ({@link RetryingHttpClient}: it retries
 * 5xx, 429 with {@code Retry-After} and broken downloads; this class adds no retry loop of its own beyond renewing
 * a rejected token once).
 *
 * <p>Authentication: {@code POST /ids/auth/login} with HTTP Basic {@code client_id:client_secret} and
 * {@code grant_type=client_credentials} gives a bearer token and its {@code expires_in}; the token is renewed a
 * margin before it expires, and once more if the API answers 401 anyway (clock skew, revoked keys). Creating query
 * jobs goes through a shared {@link RateLimiter}: DAP allows only a few jobs a minute, and parallel tables must
 * queue here rather than collect 429s.
 */
public final class DapClient {

    private static final Logger LOG = LoggerFactory.getLogger(DapClient.class);
    private static final MediaType JSON = MediaType.get("application/json");
    // a complete job about to expire loses its objects mid-download; ask for a fresh one instead
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(30);
    /** Renewals of the token after a 401 before giving up on a request (a wait may outlast a fresh token). */
    private static final int TOKEN_RENEWALS = 3;

    /** How the client talks to DAP; {@link #defaults(String)} suits the real service. */
    public record Settings(String baseUrl, Duration pollInitial, Duration pollMax, Duration jobTimeout,
                           double jobsPerMinute, int jobBurst, int httpAttempts, Duration backoffInitial,
                           Duration backoffMax) {

        public Settings {
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (jobsPerMinute <= 0) {
                throw new IllegalArgumentException("jobs per minute must be positive, got " + jobsPerMinute);
            }
            baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        }

        public static Settings defaults(String baseUrl) {
            return new Settings(baseUrl, Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofHours(2), 10, 3,
                    8, Duration.ofSeconds(1), Duration.ofSeconds(60));
        }

        public Settings withPolling(Duration initial, Duration max) {
            return new Settings(baseUrl, initial, max, jobTimeout, jobsPerMinute, jobBurst, httpAttempts,
                    backoffInitial, backoffMax);
        }

        public Settings withJobTimeout(Duration timeout) {
            return new Settings(baseUrl, pollInitial, pollMax, timeout, jobsPerMinute, jobBurst, httpAttempts,
                    backoffInitial, backoffMax);
        }

        public Settings withJobRate(double perMinute, int burst) {
            return new Settings(baseUrl, pollInitial, pollMax, jobTimeout, perMinute, burst, httpAttempts,
                    backoffInitial, backoffMax);
        }

        public Settings withBackoff(Duration initial, Duration max) {
            return new Settings(baseUrl, pollInitial, pollMax, jobTimeout, jobsPerMinute, jobBurst, httpAttempts,
                    initial, max);
        }
    }

    private record AccessToken(Secret value, Instant refreshAt) {
    }

    private final Settings settings;
    private final Secret clientId;
    private final Secret clientSecret;
    private final RetryingHttpClient http;
    private final RateLimiter jobLimiter;
    private final Sleeper sleeper;
    private final AtomicLong logins = new AtomicLong();
    private AccessToken token;

    public DapClient(Settings settings, Secret clientId, Secret clientSecret, RetryingHttpClient http,
                     RateLimiter jobLimiter, Sleeper sleeper) {
        this.settings = settings;
        this.clientId = Objects.requireNonNull(clientId, "DAP client id");
        this.clientSecret = Objects.requireNonNull(clientSecret, "DAP client secret");
        this.http = http;
        this.jobLimiter = jobLimiter;
        this.sleeper = sleeper;
    }

    /** A client with its own HTTP base and job rate limit. */
    public static DapClient create(Settings settings, Secret clientId, Secret clientSecret) {
        // OkHttp may silently re-send on a pooled keep-alive connection the server has closed meanwhile (long Spark
        // work between requests outlasts servers' idle timeouts); every other failure goes to the retry policy
        OkHttpClient ok = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(15)).readTimeout(Duration.ofMinutes(2))
                .writeTimeout(Duration.ofMinutes(2)).retryOnConnectionFailure(true).build();
        RetryingHttpClient http = RetryingHttpClient.builder("DAP API")
                .okHttp(ok)
                .maxAttempts(settings.httpAttempts())
                .backoff(settings.backoffInitial(), settings.backoffMax())
                .build();
        RateLimiter jobs = RateLimiter.perSecond(settings.jobsPerMinute() / 60.0, Math.max(1, settings.jobBurst()));
        return new DapClient(settings, clientId, clientSecret, http, jobs, Sleeper.REAL);
    }

    public Settings settings() {
        return settings;
    }

    public HttpStats stats() {
        return http.stats();
    }

    /** How many times the client logged in (the first token and every renewal). */
    public long logins() {
        return logins.get();
    }

    // ------------------------------------------------------------------ API

    public List<String> listTables(String namespace) {
        JsonNode body = get("/dap/query/" + segment(namespace) + "/table", "Listing the tables of " + namespace);
        List<String> out = new ArrayList<>();
        body.path("tables").forEach(t -> out.add(t.asText()));
        return out;
    }

    /** The table's versioned JSON schema ({@code {"schema": ..., "version": n}}), as the API returns it. */
    public JsonNode schemaJson(String namespace, String table) {
        return get("/dap/query/" + segment(namespace) + "/table/" + segment(table) + "/schema",
                "Reading the schema of " + namespace + "." + table);
    }

    public DapSchema schema(String namespace, String table) {
        return DapSchema.parse(table, schemaJson(namespace, table));
    }

    /** Starts a query job (after waiting for the client-side job rate limit). */
    public DapJob startQuery(String namespace, String table, DapQuery query) {
        try {
            jobLimiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DapApiException("Interrupted while waiting to start a query of " + table, -1, null, null, e);
        }
        String action = (query.isSnapshot() ? "Starting a snapshot query of " : "Starting an incremental query of ")
                + namespace + "." + table;
        JsonNode body = send(new Request.Builder()
                .url(url("/dap/query/" + segment(namespace) + "/table/" + segment(table) + "/data"))
                .post(RequestBody.create(Json.write(query.toJson()), JSON)), action);
        return DapJob.fromJson(body);
    }

    public DapJob job(String jobId) {
        return DapJob.fromJson(get("/dap/job/" + segment(jobId), "Reading the status of DAP job " + jobId));
    }

    /** Polls the job, waiting longer each time up to the configured maximum, until it completes or fails. */
    public DapJob awaitJob(DapJob started, String table) {
        DapJob job = started;
        Instant deadline = Instant.now().plus(settings.jobTimeout());
        Duration delay = settings.pollInitial();
        int polls = 0;
        while (!job.isTerminal()) {
            if (Instant.now().isAfter(deadline)) {
                throw new DapApiException("DAP job " + job.id() + " for " + table + " is still " + job.status()
                        .name().toLowerCase() + " after " + settings.jobTimeout().toMinutes()
                        + " min; raise --job-timeout-minutes or try again later", -1, null, null, null);
            }
            sleep(delay);
            job = job(job.id());
            polls++;
            delay = Duration.ofMillis(Math.min(settings.pollMax().toMillis(), (long) (delay.toMillis() * 1.5) + 1));
        }
        LOG.info("DAP job {} for {} is {} after {} poll(s)", job.id(), table, job.status().name().toLowerCase(),
                polls);
        return job;
    }

    /**
     * Runs a query to its end: start, wait, and give the complete job. A failed job raises {@link DapJobFailed}
     * with the service's error type and message.
     */
    public DapJob runQuery(String namespace, String table, DapQuery query) {
        DapJob job = startQuery(namespace, table, query);
        if (job.status() == DapJob.Status.COMPLETE && job.expiresAt() != null
                && job.expiresAt().isBefore(Instant.now().plus(EXPIRY_MARGIN))) {
            LOG.info("DAP returned an existing job {} for {} that expires at {}; waiting for a fresh one", job.id(),
                    table, job.expiresAt());
            sleep(EXPIRY_MARGIN.plusSeconds(5));
            job = startQuery(namespace, table, query);
        }
        job = awaitJob(job, table);
        if (job.status() == DapJob.Status.FAILED) {
            throw new DapJobFailed(namespace + "." + table, job);
        }
        return job;
    }

    /** Trades object ids for pre-signed download URLs (valid for minutes, so ask just before downloading). */
    public Map<String, String> objectUrls(List<String> objectIds) {
        ArrayNode body = Json.MAPPER.createArrayNode();
        objectIds.forEach(id -> body.addObject().put("id", id));
        JsonNode out = send(new Request.Builder().url(url("/dap/object/url"))
                .post(RequestBody.create(Json.write(body), JSON)), "Getting download URLs for " + objectIds.size()
                + " DAP object(s)");
        Map<String, String> urls = new LinkedHashMap<>();
        for (String id : objectIds) {
            String u = out.path("urls").path(id).path("url").asText(null);
            if (u == null) {
                throw new DapApiException("DAP gave no download URL for object " + id, -1, null, null, null);
            }
            urls.put(id, u);
        }
        return urls;
    }

    /**
     * Downloads a pre-signed URL (no bearer token: the URL carries its own signature, and S3 refuses two
     * authentication mechanisms). The reader sees the open response and runs again from the start if reading fails
     * midway (a reset connection, a truncated gzip stream), so it must write from scratch each time.
     */
    public <T> T download(String url, RetryingHttpClient.BodyReader<T> reader) {
        return http.execute(new Request.Builder().url(url).get().build(), reader);
    }

    // ------------------------------------------------------------------ plumbing

    private JsonNode get(String path, String action) {
        return send(new Request.Builder().url(url(path)).get(), action);
    }

    /**
     * Sends with the current token; a 401 renews the token and sends again. A request may wait (its own rate limit,
     * a 429's {@code Retry-After}) long enough for a fresh token to expire, so renewal is tried up to
     * {@link #TOKEN_RENEWALS} times before the refusal is blamed on the credentials.
     */
    private JsonNode send(Request.Builder request, String action) {
        for (int attempt = 1; ; attempt++) {
            AccessToken used = token();
            Request r = request.header("Authorization", "Bearer " + used.value().reveal()).build();
            try {
                String body = http.executeForString(r);
                return body.isBlank() ? Json.object() : Json.parse(body);
            } catch (HttpFailure f) {
                if (f.status() == 401 && attempt <= TOKEN_RENEWALS) {
                    LOG.info("DAP answered 401 to '{}'; renewing the access token and trying once more", action);
                    invalidate(used);
                    continue;
                }
                DapApiException e = DapApiException.from(f, action);
                if (f.status() == 401) {
                    throw new DapApiException(e.getMessage() + ". The token was renewed and still refused: check "
                            + "--client-id/--client-secret (or DAP_CLIENT_ID/DAP_CLIENT_SECRET) and --base-url",
                            401, e.type(), e.uuid(), f);
                }
                throw e;
            }
        }
    }

    private synchronized AccessToken token() {
        if (token == null || !Instant.now().isBefore(token.refreshAt())) {
            token = login();
        }
        return token;
    }

    private synchronized void invalidate(AccessToken stale) {
        if (token == stale) {
            token = null;
        }
    }

    private AccessToken login() {
        String basic = Base64.getEncoder().encodeToString((clientId.reveal() + ":" + clientSecret.reveal())
                .getBytes(StandardCharsets.UTF_8));
        Request request = new Request.Builder().url(url("/ids/auth/login"))
                .header("Authorization", "Basic " + basic)
                .post(new FormBody.Builder().add("grant_type", "client_credentials").build())
                .build();
        JsonNode body;
        try {
            body = Json.parse(http.executeForString(request));
        } catch (HttpFailure f) {
            DapApiException e = DapApiException.from(f, "Logging in to DAP at " + settings.baseUrl());
            String hint = f.status() == 401 || f.status() == 403 || f.status() == 400
                    ? ". Check --client-id and --client-secret (env DAP_CLIENT_ID, DAP_CLIENT_SECRET): they come from "
                            + "identity.instructure.com for this region" : "";
            throw new DapApiException(e.getMessage() + hint, f.status(), e.type(), e.uuid(), f);
        }
        String value = body.path("access_token").asText(null);
        if (value == null || value.isBlank()) {
            throw new DapApiException("DAP login at " + settings.baseUrl() + " returned no access_token", -1, null,
                    null, null);
        }
        long lifetime = body.path("expires_in").asLong(3600);
        // renew a quarter of the lifetime early (at most five minutes): long jobs never meet an expired token
        long marginMillis = Math.min(Duration.ofMinutes(5).toMillis(), lifetime * 1000 / 4);
        logins.incrementAndGet();
        LOG.info("Logged in to DAP at {} (token valid {} s)", settings.baseUrl(), lifetime);
        return new AccessToken(new Secret(value), Instant.now().plusMillis(lifetime * 1000 - marginMillis));
    }

    private String url(String path) {
        return settings.baseUrl() + path;
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void sleep(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DapApiException("Interrupted while waiting for DAP", -1, null, null, e);
        }
    }

    /** A query job that ended in status failed; the message carries the service's error type and text. */
    public static final class DapJobFailed extends DapApiException {
        private final DapJob job;

        DapJobFailed(String table, DapJob job) {
            super("DAP job " + job.id() + " for " + table + " failed: " + job.errorType() + ": " + job.errorMessage()
                    + (job.errorUuid() == null ? "" : " (error uuid " + job.errorUuid() + ")")
                    + ". The next run starts a new job from the same point", 200, job.errorType(), job.errorUuid(),
                    null);
            this.job = job;
        }

        public DapJob job() {
            return job;
        }
    }
}
