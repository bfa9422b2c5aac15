package org.canvaslake.common.http;

import java.time.Duration;

/**
 * A client-side token bucket: at most {@code ratePerSecond} requests a second on average, bursts up to
 * {@code burst}. Shared by all threads of a client so parallel work cannot outrun the server's limit.
 * {@link #pause(Duration)} lets a client that sees the server's budget running low hold everyone back.
 */
public final class RateLimiter {

    private final double ratePerNano;
    private final double burst;
    private final Sleeper sleeper;
    private double tokens;
    private long lastRefill;
    private long pausedUntil;

    public RateLimiter(double ratePerSecond, int burst, Sleeper sleeper) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("Rate limit must be positive with a burst of at least 1, got "
                    + ratePerSecond + "/s burst " + burst);
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.sleeper = sleeper;
        this.tokens = burst;
        this.lastRefill = System.nanoTime();
    }

    public static RateLimiter perSecond(double ratePerSecond, int burst) {
        return new RateLimiter(ratePerSecond, burst, Sleeper.REAL);
    }

    /** Blocks until a request may go out. */
    public void acquire() throws InterruptedException {
        while (true) {
            long waitNanos;
            synchronized (this) {
                long now = System.nanoTime();
                refill(now);
                if (now >= pausedUntil && tokens >= 1) {
                    tokens -= 1;
                    return;
                }
                waitNanos = Math.max(pausedUntil - now, (long) Math.ceil((1 - tokens) / ratePerNano));
            }
            sleeper.sleep(Duration.ofNanos(Math.max(waitNanos, 1_000_000)));
        }
    }

    /** Nobody sends for this long (e.g. the server said its bucket is nearly empty). */
    public synchronized void pause(Duration duration) {
        pausedUntil = Math.max(pausedUntil, System.nanoTime() + duration.toNanos());
    }

    private void refill(long now) {
        tokens = Math.min(burst, tokens + (now - lastRefill) * ratePerNano);
        lastRefill = now;
    }
}
