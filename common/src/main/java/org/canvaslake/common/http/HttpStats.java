package org.canvaslake.common.http;

import java.util.concurrent.atomic.AtomicLong;

/** Counts of what a client did, for the run report. Thread-safe. */
public final class HttpStats {

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    void recordRequest() {
        requests.incrementAndGet();
    }

    void recordRetry() {
        retries.incrementAndGet();
    }

    void recordThrottled() {
        throttled.incrementAndGet();
    }

    void recordFailure() {
        failures.incrementAndGet();
    }

    public long requests() {
        return requests.get();
    }

    public long retries() {
        return retries.get();
    }

    public long throttled() {
        return throttled.get();
    }

    public long failures() {
        return failures.get();
    }
}
