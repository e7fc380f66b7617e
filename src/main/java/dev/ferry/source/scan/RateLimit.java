package dev.ferry.source.scan;

/** Paces one thread to at most {@code perSecond} keys per second; 0 means no limit. */
final class RateLimit {
    private final long perSecond;
    private final long start = System.nanoTime();
    private long granted;

    RateLimit(long perSecond) {
        this.perSecond = perSecond;
    }

    void acquire(int keys) throws InterruptedException {
        if (perSecond <= 0) return;
        granted += keys;
        long dueNanos = granted * 1_000_000_000L / perSecond;
        long waitNanos = dueNanos - (System.nanoTime() - start);
        if (waitNanos > 0) Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
    }
}
