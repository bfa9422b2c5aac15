package org.canvaslake.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import okhttp3.Request;

/** The retry, Retry-After and rate-limit behaviour, against a real local HTTP server. */
class RetryingHttpClientTest {

    /** What the server does for one request. */
    interface Reply {
        void send(HttpExchange exchange) throws IOException;
    }

    private HttpServer server;
    private final Deque<Reply> script = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            arrivals.add(System.nanoTime());
            Reply reply;
            synchronized (script) {
                reply = script.isEmpty() ? status(200, "ok") : script.poll();
            }
            reply.send(exchange);
        });
        // a reply that stalls must not hold back the next request
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String pathAndQuery) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
    }

    private static Reply status(int code, String body) {
        return status(code, body, null, null);
    }

    private static Reply status(int code, String body, String header, String value) {
        return ex -> {
            if (header != null) {
                ex.getResponseHeaders().add(header, value);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
            ex.close();
        };
    }

    private RetryingHttpClient.Builder client() {
        return RetryingHttpClient.builder("test").maxAttempts(4)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .sleeper(sleeps::add);
    }

    private static Request get(String url) {
        return new Request.Builder().url(url).build();
    }

    @Test
    void retriesServerErrorsWithGrowingJitteredBackoff() {
        script.add(status(500, "boom"));
        script.add(status(502, "bad gateway"));
        script.add(status(200, "fine"));
        RetryingHttpClient http = client().build();

        assertThat(http.executeForString(get(url("/a")))).isEqualTo("fine");
        assertThat(requests).hasValue(3);
        assertThat(http.stats().retries()).isEqualTo(2);
        // attempt 1 waits within [50, 100] ms, attempt 2 within [100, 200] ms
        assertThat(sleeps).hasSize(2);
        assertThat(sleeps.get(0).toMillis()).isBetween(50L, 100L);
        assertThat(sleeps.get(1).toMillis()).isBetween(100L, 200L);
    }

    @Test
    void honoursRetryAfterSecondsOn429() {
        script.add(status(429, "slow down", "Retry-After", "3"));
        RetryingHttpClient http = client().build();

        assertThat(http.executeForString(get(url("/b")))).isEqualTo("ok");
        assertThat(sleeps).containsExactly(Duration.ofSeconds(3));
        assertThat(http.stats().throttled()).isEqualTo(1);
    }

    @Test
    void honoursRetryAfterAsAnHttpDate() {
        String in5s = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(5));
        script.add(status(503, "maintenance", "Retry-After", in5s));
        client().build().executeForString(get(url("/c")));

        assertThat(sleeps).hasSize(1);
        assertThat(sleeps.get(0).toMillis()).isBetween(3000L, 5000L);
    }

    @Test
    void capsAVeryLongRetryAfter() {
        script.add(status(429, "", "Retry-After", "86400"));
        client().maxRetryAfter(Duration.ofSeconds(30)).build().executeForString(get(url("/d")));
        assertThat(sleeps).containsExactly(Duration.ofSeconds(30));
    }

    @Test
    void clientErrorsFailAtOnceWithTheUrlRedacted() {
        script.add(status(404, "{\"errors\":[{\"message\":\"The specified resource does not exist.\"}]}"));
        RetryingHttpClient http = client().build();

        assertThatThrownBy(() -> http.executeForString(get(url("/api/v1/courses/9?access_token=SECRET42"))))
                .isInstanceOfSatisfying(HttpFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(404);
                    assertThat(f.isNotFound()).isTrue();
                    assertThat(f.attempts()).isEqualTo(1);
                    assertThat(f.url()).contains("/api/v1/courses/9").doesNotContain("SECRET42");
                    assertThat(f.getMessage()).doesNotContain("SECRET42").contains("resource does not exist");
                });
        assertThat(requests).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastStatus() {
        for (int i = 0; i < 5; i++) {
            script.add(status(503, "down"));
        }
        RetryingHttpClient http = client().build();

        assertThatThrownBy(() -> http.executeForString(get(url("/e"))))
                .isInstanceOfSatisfying(HttpFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(503);
                    assertThat(f.attempts()).isEqualTo(4);
                    assertThat(f.getMessage()).contains("after 4 attempts");
                });
        assertThat(requests).hasValue(4);
        assertThat(http.stats().failures()).isEqualTo(1);
    }

    /** A request that runs out of attempts while throttled counts every throttled answer, the last one too. */
    @Test
    void givingUpWhileThrottledCountsEveryThrottledAnswer() {
        for (int i = 0; i < 5; i++) {
            script.add(status(429, "slow down"));
        }
        RetryingHttpClient http = client().build();

        assertThatThrownBy(() -> http.executeForString(get(url("/t"))))
                .isInstanceOfSatisfying(HttpFailure.class, f -> assertThat(f.status()).isEqualTo(429));
        assertThat(requests).hasValue(4);
        assertThat(http.stats().throttled()).isEqualTo(4);
        assertThat(http.stats().failures()).isEqualTo(1);
    }

    @Test
    void aThrottleSignalTurnsA403IntoARetryButOther403sFail() {
        script.add(status(403, "403 Forbidden (Rate Limit Exceeded)"));
        RetryingHttpClient http = client()
                .throttleSignal((code, body) -> code == 403 && body.contains("Rate Limit Exceeded")).build();
        assertThat(http.executeForString(get(url("/f")))).isEqualTo("ok");
        assertThat(http.stats().throttled()).isEqualTo(1);

        script.add(status(403, "user not authorized to perform that action"));
        assertThatThrownBy(() -> http.executeForString(get(url("/g"))))
                .isInstanceOfSatisfying(HttpFailure.class, f -> assertThat(f.status()).isEqualTo(403));
    }

    @Test
    void retriesAConnectionClosedWithoutAnAnswer() {
        script.add(ex -> ex.close());
        RetryingHttpClient http = client().build();

        assertThat(http.executeForString(get(url("/h")))).isEqualTo("ok");
        assertThat(requests).hasValue(2);
        assertThat(http.stats().retries()).isEqualTo(1);
    }

    @Test
    void retriesAServerThatStallsPastTheReadTimeout() {
        script.add(ex -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        RetryingHttpClient http = client().timeouts(Duration.ofSeconds(2), Duration.ofMillis(300)).build();

        assertThat(http.executeForString(get(url("/t")))).isEqualTo("ok");
        assertThat(requests).hasValue(2);
        assertThat(http.stats().retries()).isEqualTo(1);
    }

    @Test
    void retriesABodyCutShortWhileReading() {
        script.add(ex -> {
            ex.sendResponseHeaders(200, 1000);
            ex.getResponseBody().write("only part of it".getBytes(StandardCharsets.UTF_8));
            ex.getResponseBody().flush();
            ex.close();
        });
        RetryingHttpClient http = client().build();

        assertThat(http.executeForString(get(url("/i")))).isEqualTo("ok");
        assertThat(requests).hasValue(2);
    }

    @Test
    void theRateLimiterSpacesRequestsOut() {
        RetryingHttpClient http = RetryingHttpClient.builder("limited")
                .rateLimiter(RateLimiter.perSecond(20, 1)).build();
        for (int i = 0; i < 11; i++) {
            http.executeForString(get(url("/j")));
        }
        // 11 requests at 20/s with no burst: the last arrives at least ~500 ms after the first
        long spanMillis = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1_000_000;
        assertThat(spanMillis).isGreaterThanOrEqualTo(450);
    }

    @Test
    void aPausedLimiterHoldsEveryoneBack() throws Exception {
        List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
        RateLimiter limiter = new RateLimiter(1000, 10, d -> {
            waits.add(d);
            Thread.sleep(d.toMillis());
        });
        limiter.pause(Duration.ofMillis(200));
        limiter.acquire();
        assertThat(waits).isNotEmpty();
        assertThat(waits.stream().mapToLong(Duration::toMillis).sum()).isGreaterThanOrEqualTo(150);
    }

    @Test
    void parsesRetryAfterForms() {
        assertThat(RetryingHttpClient.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryingHttpClient.retryAfter("0.5")).isEqualTo(Duration.ofMillis(500));
        assertThat(RetryingHttpClient.retryAfter("soon")).isNull();
        assertThat(RetryingHttpClient.retryAfter(null)).isNull();
    }
}
