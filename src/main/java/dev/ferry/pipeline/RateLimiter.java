package dev.ferry.pipeline;

import dev.ferry.util.UsageException;

/**
 * Holds a snapshot to at most so many keys (or bytes) per second, so a production target keeps serving
 * its clients while Ferry fills it. Called from one thread per shard; each shard has its own.
 */
public final class RateLimiter {
    public static final RateLimiter NONE = new RateLimiter(0, 0);

    private final long keysPerSecond;
    private final long bytesPerSecond;
    private final long start = System.nanoTime();
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
        keys += k;
        bytes += b;
        double due = Math.max(keysPerSecond > 0 ? (double) keys / keysPerSecond : 0,
                bytesPerSecond > 0 ? (double) bytes / bytesPerSecond : 0);
        long waitNanos = (long) (due * 1e9) - (System.nanoTime() - start);
        if (waitNanos > 1_000_000) {
            try {
                Thread.sleep(waitNanos / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
