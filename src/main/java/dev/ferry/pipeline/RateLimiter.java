package dev.ferry.pipeline;

import dev.ferry.util.UsageException;

/**
 * Holds a snapshot to at most so many keys (or bytes) per second, so a production target keeps serving
 * its clients while Ferry fills it. Called from one thread per shard; each shard has its own, for the whole run.
 * Time spent idle is not saved up: after more than {@link #MAX_CREDIT_NANOS} of unused allowance (a shard that
 * waited for its source, then a new full sync or a burst of re-reads) the count starts again, so a burst is
 * never faster than the limit for more than that long.
 */
public final class RateLimiter {
    public static final RateLimiter NONE = new RateLimiter(0, 0);

    private final long keysPerSecond;
    private final long bytesPerSecond;
    private static final long MAX_CREDIT_NANOS = 1_000_000_000L;

    private long start = System.nanoTime();
    private long keys;
    private long bytes;

    public RateLimiter(long keysPerSecond, long bytesPerSecond) {
        this.keysPerSecond = keysPerSecond;
        this.bytesPerSecond = bytesPerSecond;
    }

    /**
     * Parses "50000" (keys/s), "50k", "20mb" / "512kb" (bytes/s); null or empty for no limit. Throws
     * {@link UsageException} with a one-line message otherwise.
     */
    public static RateLimiter parse(String spec) {
        if (spec == null || spec.isBlank()) return NONE;
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.endsWith("mb")) return new RateLimiter(0, Long.parseLong(s.substring(0, s.length() - 2)) << 20);
            if (s.endsWith("kb")) return new RateLimiter(0, Long.parseLong(s.substring(0, s.length() - 2)) << 10);
            if (s.endsWith("k")) return new RateLimiter(Long.parseLong(s.substring(0, s.length() - 1)) * 1000, 0);
            long n = Long.parseLong(s);
            if (n <= 0) throw new NumberFormatException();
            return new RateLimiter(n, 0);
        } catch (NumberFormatException e) {
            throw new UsageException("bad --rate-limit '" + spec + "': use keys per second (50000, 50k) or bytes per second (20mb, 512kb)");
        }
    }

    /** The keys-per-second limit, or 0 for none. */
    public long keysPerSecond() {
        return keysPerSecond;
    }

    /** A fresh limiter with the same rates, for another shard. */
    public RateLimiter copy() {
        return this == NONE ? NONE : new RateLimiter(keysPerSecond, bytesPerSecond);
    }

    public void acquire(long k, long b) {
        if (keysPerSecond == 0 && bytesPerSecond == 0) return;
        long now = System.nanoTime();
        if (now - start - dueNanos() > MAX_CREDIT_NANOS) {
            start = now;
            keys = 0;
            bytes = 0;
        }
        keys += k;
        bytes += b;
        long waitNanos = dueNanos() - (now - start);
        if (waitNanos > 1_000_000) {
            try {
                Thread.sleep(waitNanos / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** When, counted from {@code start}, what was acquired so far is due. */
    private long dueNanos() {
        double due = Math.max(keysPerSecond > 0 ? (double) keys / keysPerSecond : 0,
                bytesPerSecond > 0 ? (double) bytes / bytesPerSecond : 0);
        return (long) (due * 1e9);
    }
}
