package dev.ferry.writer;

import java.util.concurrent.TimeUnit;

/**
 * When a refused command is sent again, and after how long a pause. Codes that pass with time (a failover, a
 * loading node: TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN) are retried for as long as --reconnect-timeout,
 * like a lost connection; OOM for {@link #OOM_GRACE_NANOS} (eviction may free room), then the run stops. Each
 * command's clock starts at its first refusal. Times are {@link System#nanoTime()} values, passed in.
 *
 * <p>A pause of {@link #PAUSE_NANOS} comes before re-sending; one pause serves a whole burst of refusals: a
 * refusal within a pause, or within one pause length after it ended, waits only for what is left of it.
 */
final class RetryPolicy {
    static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long a target that answers OOM gets to free room (by eviction) before the run stops. */
    static final long OOM_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long transientBoundNanos;
    /** When the last pause ends or ended; meaningless until {@link #paused}. */
    private long lastPauseEnd;
    private boolean paused;

    RetryPolicy(long reconnectTimeoutMs) {
        this.transientBoundNanos = reconnectTimeoutMs * 1_000_000L;
    }

    /** A refusal that may pass by itself: a failover, a cluster without quorum, a node loading its data. */
    static boolean isTransient(String code) {
        return code.equals("TRYAGAIN") || code.equals("CLUSTERDOWN") || code.equals("LOADING") || code.equals("MASTERDOWN");
    }

    /** Whether {@code p}, refused for a transient reason at {@code now}, is still within --reconnect-timeout. */
    boolean transientWithinBound(Pending p, long now) {
        return refusedFor(p, now) < transientBoundNanos;
    }

    /** Whether {@code p}, refused with OOM at {@code now}, is still within the grace for eviction. */
    static boolean oomWithinGrace(Pending p, long now) {
        return refusedFor(p, now) < OOM_GRACE_NANOS;
    }

    /** How long the target has been refusing this command, starting the clock at the first refusal. */
    private static long refusedFor(Pending p, long now) {
        if (p.firstRefused == 0) p.firstRefused = now;
        return now - p.firstRefused;
    }

    /**
     * How long to wait, from {@code now}, before re-sending a command refused at {@code now}: a full pause when
     * the last one ended more than a pause length ago, else what is left of the last one (maybe nothing).
     */
    synchronized long pauseBefore(long now) {
        if (!paused || now - lastPauseEnd > PAUSE_NANOS) {
            paused = true;
            lastPauseEnd = now + PAUSE_NANOS;
            return PAUSE_NANOS;
        }
        return Math.max(0, lastPauseEnd - now);
    }
}
