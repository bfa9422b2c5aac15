package org.canvaslake.sandbox.canvas;

import java.util.function.LongSupplier;

/**
 * Canvas's request throttle as the fake plays it: every request pours its cost into a bucket that leaks at a
 * constant rate; a request that would overflow the bucket is refused (Canvas answers it with 403 "Rate Limit
 * Exceeded", or 429 on hosted Canvas) and adds nothing. The level therefore never exceeds the capacity, and
 * {@link #maxLevel()} lets a test prove it. Thread-safe.
 */
final class LeakyBucket {

    private final double capacity;
    private final double leakPerNano;
    private final LongSupplier clock;
    private double level;
    private long last;
    private double maxLevel;

    LeakyBucket(double capacity, double leakPerSecond, LongSupplier nanoClock) {
        if (capacity <= 0 || leakPerSecond <= 0) {
            throw new IllegalArgumentException("A leaky bucket needs a positive capacity and leak rate, got capacity "
                    + capacity + " and " + leakPerSecond + "/s");
        }
        this.capacity = capacity;
        this.leakPerNano = leakPerSecond / 1e9;
        this.clock = nanoClock;
        this.last = nanoClock.getAsLong();
    }

    /** What a request learns: whether it was admitted and how much quota is left afterwards. */
    record Decision(boolean admitted, double remaining, double cost) {
    }

    synchronized Decision offer(double cost) {
        long now = clock.getAsLong();
        level = Math.max(0, level - (now - last) * leakPerNano);
        last = now;
        if (level + cost > capacity) {
            return new Decision(false, capacity - level, 0);
        }
        level += cost;
        maxLevel = Math.max(maxLevel, level);
        return new Decision(true, capacity - level, cost);
    }

    synchronized double maxLevel() {
        return maxLevel;
    }

    double capacity() {
        return capacity;
    }
}
