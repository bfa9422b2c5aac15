package org.canvaslake.canvas;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import org.canvaslake.common.http.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import okhttp3.Response;

/**
 * Reads Canvas's throttling headers on every response and holds every thread of the client back before the quota is
 * gone. Canvas reports the quota left in {@code X-Rate-Limit-Remaining} (and what the request cost in
 * {@code X-Request-Cost}) but not the bucket's size or leak rate, which differ per installation; so the size is taken
 * as the highest remaining value seen, and when the remaining quota falls below a share of it the shared
 * {@link RateLimiter} is paused for a while, letting the bucket drain. With {@code n} requests in flight the quota
 * can fall by at most about {@code 2n} costs after the pause starts, so a low-water mark above that never empties it.
 */
final class ThrottleGovernor {

    private static final Logger LOG = LoggerFactory.getLogger(ThrottleGovernor.class);

    static final String REMAINING = "X-Rate-Limit-Remaining";
    static final String COST = "X-Request-Cost";

    private final RateLimiter limiter;
    private final double lowWaterFraction;
    private final Duration slowdown;
    private final AtomicLong slowdowns = new AtomicLong();
    private double highestRemaining;
    private double lastRemaining = Double.NaN;
    private double totalCost;

    ThrottleGovernor(RateLimiter limiter, double lowWaterFraction, Duration slowdown) {
        this.limiter = limiter;
        this.lowWaterFraction = lowWaterFraction;
        this.slowdown = slowdown;
    }

    void observe(Response response) {
        Double remaining = number(response.header(REMAINING));
        Double cost = number(response.header(COST));
        Duration pause = record(remaining, cost);
        if (pause != null) {
            limiter.pause(pause);
        }
    }

    /** Takes note of one response's headers; returns how long to hold everyone back, or null to go on. */
    synchronized Duration record(Double remaining, Double cost) {
        if (cost != null) {
            totalCost += cost;
        }
        if (remaining == null) {
            return null;
        }
        lastRemaining = remaining;
        highestRemaining = Math.max(highestRemaining, remaining);
        if (lowWaterFraction > 0 && remaining < lowWaterFraction * highestRemaining) {
            long n = slowdowns.incrementAndGet();
            if (n == 1 || n % 50 == 0) {
                LOG.info("Canvas rate limit running low ({} of about {} left): pausing requests for {} ms ({} pauses so far)",
                        String.format(Locale.ROOT, "%.1f", remaining), String.format(Locale.ROOT, "%.1f", highestRemaining),
                        slowdown.toMillis(), n);
            }
            return slowdown;
        }
        return null;
    }

    long slowdowns() {
        return slowdowns.get();
    }

    synchronized double lastRemaining() {
        return lastRemaining;
    }

    synchronized double totalCost() {
        return totalCost;
    }

    private static Double number(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Double.parseDouble(header.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
