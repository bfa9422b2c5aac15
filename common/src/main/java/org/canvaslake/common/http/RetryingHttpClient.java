package org.canvaslake.common.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.canvaslake.common.text.Redaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The one HTTP client base of the project (the Canvas and DAP clients build on it): timeouts, retries with
 * exponential backoff and jitter on network errors and 5xx, {@code Retry-After} honoured on 429 and 503, a
 * client-side rate limit, and errors that name the URL without its secrets.
 *
 * <p>A response is handed to a {@link BodyReader} while it is open; an I/O error while reading (a connection reset
 * mid-download, a truncated gzip stream) is retried like a failed request, so callers get a whole body or an error.
 */
public final class RetryingHttpClient {

    private static final Logger LOG = LoggerFactory.getLogger(RetryingHttpClient.class);
    private static final int MAX_BODY_EXCERPT = 500;

    /** Reads a successful response; runs again on a retry, so it must not have side effects it can't repeat. */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(Response response) throws IOException;
    }

    /** Decides whether a non-2xx response means "slow down" (some servers use 403 for that). */
    @FunctionalInterface
    public interface ThrottleSignal {
        boolean isThrottle(int status, String bodyExcerpt);
    }

    private final String name;
    private final OkHttpClient http;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxRetryAfter;
    private final RateLimiter rateLimiter;
    private final ThrottleSignal throttleSignal;
    private final Sleeper sleeper;
    private final Consumer<Response> responseObserver;
    private final HttpStats stats = new HttpStats();

    private RetryingHttpClient(Builder b) {
        this.name = b.name;
        this.http = b.http != null ? b.http : new OkHttpClient.Builder()
                .connectTimeout(b.connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(b.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(b.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false)
                .build();
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.maxRetryAfter = b.maxRetryAfter;
        this.rateLimiter = b.rateLimiter;
        this.throttleSignal = b.throttleSignal;
        this.sleeper = b.sleeper;
        this.responseObserver = b.responseObserver;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public HttpStats stats() {
        return stats;
    }

    public RateLimiter rateLimiter() {
        return rateLimiter;
    }

    /** Sends the request and returns the body as a string (UTF-8). */
    public String executeForString(Request request) {
        return execute(request, response -> {
            ResponseBody body = response.body();
            return body == null ? "" : body.string();
        });
    }

    /** Sends the request, retrying where that can help, and reads the successful response with the reader. */
    public <T> T execute(Request request, BodyReader<T> reader) {
        String safeUrl = redact(request.url());
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            String reason;
            try {
                if (rateLimiter != null) {
                    rateLimiter.acquire();
                }
                stats.recordRequest();
                try (Response response = http.newCall(request).execute()) {
                    if (responseObserver != null) {
                        responseObserver.accept(response);
                    }
                    int status = response.code();
                    if (status >= 200 && status < 300) {
                        return reader.read(response);
                    }
                    String excerpt = excerpt(response);
                    boolean throttled = status == 429 || throttleSignal.isThrottle(status, excerpt);
                    boolean retryable = throttled || status >= 500 || status == 408;
                    if (throttled) {
                        // counted before giving up too: the run's throttle count must include the attempt that ended it
                        stats.recordThrottled();
                    }
                    if (!retryable || attempt >= maxAttempts) {
                        stats.recordFailure();
                        throw new HttpFailure(name + " " + request.method() + " " + safeUrl + " failed with HTTP "
                                + status + (attempt > 1 ? " after " + attempt + " attempts" : "")
                                + (excerpt.isEmpty() ? "" : ": " + excerpt), status, safeUrl, excerpt, attempt, null);
                    }
                    Duration retryAfter = retryAfter(response.header("Retry-After"));
                    wait = retryAfter != null ? min(retryAfter, maxRetryAfter) : backoff(attempt);
                    if (throttled && rateLimiter != null) {
                        rateLimiter.pause(wait);
                    }
                    reason = "HTTP " + status;
                }
            } catch (IOException e) {
                if (attempt >= maxAttempts) {
                    stats.recordFailure();
                    throw new HttpFailure(name + " " + request.method() + " " + safeUrl + " failed after " + attempt
                            + " attempts: " + describe(e), -1, safeUrl, "", attempt, e);
                }
                wait = backoff(attempt);
                reason = describe(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HttpFailure(name + " " + safeUrl + " interrupted", -1, safeUrl, "", attempt, e);
            }
            stats.recordRetry();
            LOG.info("{} {} {}: {}; retry {}/{} in {} ms", name, request.method(), safeUrl, reason, attempt,
                    maxAttempts - 1, wait.toMillis());
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HttpFailure(name + " " + safeUrl + " interrupted", -1, safeUrl, "", attempt, e);
            }
        }
    }

    /** Exponential backoff with jitter: half the step fixed, half random, capped. */
    Duration backoff(int attempt) {
        long step = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(step, maxBackoff.toMillis());
        long half = capped / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** Retry-After is either delay-seconds or an HTTP date (RFC 9110). */
    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String v = header.trim();
        try {
            double seconds = Double.parseDouble(v);
            return Duration.ofMillis((long) Math.max(0, seconds * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    public static String redact(HttpUrl url) {
        return Redaction.redact(url.toString());
    }

    private static String excerpt(Response response) {
        try {
            ResponseBody body = response.body();
            if (body == null) {
                return "";
            }
            okio.BufferedSource source = body.source();
            source.request(MAX_BODY_EXCERPT);
            long n = Math.min(MAX_BODY_EXCERPT, source.getBuffer().size());
            String text = source.peek().readUtf8(n);
            return Redaction.redact(text.replaceAll("\\s+", " ").trim());
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String describe(IOException e) {
        String kind = e instanceof InterruptedIOException ? "timeout" : e.getClass().getSimpleName();
        return kind + (e.getMessage() == null ? "" : " (" + Redaction.redact(e.getMessage()) + ")");
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    public static final class Builder {
        private final String name;
        private OkHttpClient http;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private int maxAttempts = 6;
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private Duration maxRetryAfter = Duration.ofMinutes(5);
        private RateLimiter rateLimiter;
        private ThrottleSignal throttleSignal = (status, body) -> false;
        private Sleeper sleeper = Sleeper.REAL;
        private Consumer<Response> responseObserver;

        private Builder(String name) {
            this.name = name;
        }

        public Builder okHttp(OkHttpClient client) {
            this.http = client;
            return this;
        }

        public Builder timeouts(Duration connect, Duration read) {
            this.connectTimeout = connect;
            this.readTimeout = read;
            return this;
        }

        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        public Builder maxRetryAfter(Duration max) {
            this.maxRetryAfter = max;
            return this;
        }

        public Builder rateLimiter(RateLimiter limiter) {
            this.rateLimiter = limiter;
            return this;
        }

        public Builder throttleSignal(ThrottleSignal signal) {
            this.throttleSignal = signal;
            return this;
        }

        public Builder sleeper(Sleeper s) {
            this.sleeper = s;
            return this;
        }

        /** Sees every response before it is judged (e.g. to read rate-limit headers). */
        public Builder responseObserver(Consumer<Response> observer) {
            this.responseObserver = observer;
            return this;
        }

        public RetryingHttpClient build() {
            return new RetryingHttpClient(this);
        }
    }
}
