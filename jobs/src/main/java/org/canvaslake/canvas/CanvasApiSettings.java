package org.canvaslake.canvas;

import java.time.Duration;
import java.util.Objects;

import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.secrets.Secret;

import okhttp3.HttpUrl;

/**
 * How the Canvas client talks to one Canvas: where, as whom, how fast and how patiently.
 *
 * @param baseUrl              the Canvas root, e.g. {@code https://school.instructure.com} (a trailing
 *                             {@code /api/v1} is accepted and removed)
 * @param accountId            the account whose users and courses are listed; {@code self} is the token's root account
 * @param perPage              asked of every list call; Canvas caps it (at 100 on most endpoints) and the client
 *                             follows {@code Link} headers whatever it gets
 * @param concurrency          per-course calls in flight at once
 * @param maxRequestsPerSecond client-side ceiling shared by every thread
 * @param lowWaterFraction     slow down when {@code X-Rate-Limit-Remaining} falls below this share of the highest
 *                             remaining quota seen
 * @param slowdown             how long everybody waits when the quota runs low
 */
public record CanvasApiSettings(HttpUrl baseUrl, Secret token, String accountId, int perPage, int concurrency,
                                double maxRequestsPerSecond, int maxAttempts, Duration initialBackoff,
                                Duration maxBackoff, double lowWaterFraction, Duration slowdown,
                                Duration connectTimeout, Duration readTimeout) {

    public CanvasApiSettings {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(token, "token");
        if (accountId == null || accountId.isBlank() || accountId.contains("/")) {
            throw new UsageException("--account-id must be 'self' or an account id (e.g. 1 or sis_account_id:ABC), got '"
                    + accountId + "'");
        }
        require(perPage >= 1, "--per-page must be at least 1, got " + perPage);
        require(concurrency >= 1 && concurrency <= 64, "--concurrency must be between 1 and 64, got " + concurrency);
        require(maxRequestsPerSecond > 0, "--max-requests-per-second must be positive, got " + maxRequestsPerSecond);
        require(maxAttempts >= 1, "--max-attempts must be at least 1, got " + maxAttempts);
        require(lowWaterFraction >= 0 && lowWaterFraction < 1,
                "the low-water share of the rate limit must be in [0, 1), got " + lowWaterFraction);
    }

    /** Production defaults: 100 per page, 4 courses at a time, at most 10 requests a second, 6 attempts. */
    public static CanvasApiSettings defaults(String baseUrl, Secret token) {
        return new CanvasApiSettings(parseBaseUrl(baseUrl), token, "self", 100, 4, 10, 6, Duration.ofMillis(500),
                Duration.ofSeconds(60), 0.25, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(120));
    }

    /** Accepts {@code https://host}, {@code https://host/}, {@code https://host/api/v1}. */
    public static HttpUrl parseBaseUrl(String url) {
        HttpUrl parsed = url == null ? null : HttpUrl.parse(url.trim());
        if (parsed == null) {
            throw new UsageException("--canvas-url must be an http(s) URL such as https://school.instructure.com, got '"
                    + url + "'");
        }
        if (parsed.querySize() > 0) {
            throw new UsageException("--canvas-url must not carry a query string (give the token with --canvas-token): "
                    + parsed.newBuilder().query(null).build());
        }
        String path = parsed.encodedPath().replaceAll("/+$", "");
        if (path.endsWith("/api/v1")) {
            path = path.substring(0, path.length() - "/api/v1".length());
        }
        return parsed.newBuilder().encodedPath(path.isEmpty() ? "/" : path + "/").build();
    }

    public CanvasApiSettings withAccountId(String id) {
        return new CanvasApiSettings(baseUrl, token, id, perPage, concurrency, maxRequestsPerSecond, maxAttempts,
                initialBackoff, maxBackoff, lowWaterFraction, slowdown, connectTimeout, readTimeout);
    }

    public CanvasApiSettings withPaging(int size) {
        return new CanvasApiSettings(baseUrl, token, accountId, size, concurrency, maxRequestsPerSecond, maxAttempts,
                initialBackoff, maxBackoff, lowWaterFraction, slowdown, connectTimeout, readTimeout);
    }

    public CanvasApiSettings withConcurrency(int n) {
        return new CanvasApiSettings(baseUrl, token, accountId, perPage, n, maxRequestsPerSecond, maxAttempts,
                initialBackoff, maxBackoff, lowWaterFraction, slowdown, connectTimeout, readTimeout);
    }

    public CanvasApiSettings withRate(double perSecond) {
        return new CanvasApiSettings(baseUrl, token, accountId, perPage, concurrency, perSecond, maxAttempts,
                initialBackoff, maxBackoff, lowWaterFraction, slowdown, connectTimeout, readTimeout);
    }

    public CanvasApiSettings withRetries(int attempts, Duration initial, Duration max) {
        return new CanvasApiSettings(baseUrl, token, accountId, perPage, concurrency, maxRequestsPerSecond, attempts,
                initial, max, lowWaterFraction, slowdown, connectTimeout, readTimeout);
    }

    public CanvasApiSettings withSlowdown(double lowWater, Duration pause) {
        return new CanvasApiSettings(baseUrl, token, accountId, perPage, concurrency, maxRequestsPerSecond,
                maxAttempts, initialBackoff, maxBackoff, lowWater, pause, connectTimeout, readTimeout);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new UsageException(message);
        }
    }
}
