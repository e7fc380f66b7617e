package dev.ferry.writer;

import java.time.Instant;

/**
 * Dragonfly holds a TTL of at most 2^28 - 1 seconds (its kMaxExpireDeadlineSec, about 8.5 years): RESTORE and
 * {@code SET ... PXAT} silently cut a longer one to that, and {@code PEXPIREAT}/{@code EXPIREAT} beyond it are refused
 * ("expiry is out of range"), which leaves the key with no TTL at all. Ferry writes such a key with the longest TTL
 * Dragonfly keeps and says so for each key, rather than let the target decide silently or drop the TTL.
 *
 * <p>An absolute expiry is cut to Ferry's clock plus the limit, less a minute: Dragonfly measures from its own clock,
 * and one running a little behind Ferry's would otherwise refuse the time Ferry computed. A relative TTL (EXPIRE,
 * SET ... EX) is cut to the limit itself, which Dragonfly measures from its own now.
 */
final class DragonflyTtl {
    /** The longest TTL Dragonfly holds, in ms: 268,435,455,000. */
    static final long MAX_MS = ((1L << 28) - 1) * 1000;
    /** How far below the limit an absolute expiry is put, for a Dragonfly clock behind Ferry's. */
    static final long CLOCK_MARGIN_MS = 60_000;

    private DragonflyTtl() {
    }

    /** Whether an absolute expiry {@code expireAtMs} lies beyond what Dragonfly holds, seen at {@code nowMs}. */
    static boolean beyond(long expireAtMs, long nowMs) {
        return expireAtMs > 0 && expireAtMs - nowMs > MAX_MS;
    }

    /** The absolute expiry Dragonfly is sent for {@code expireAtMs}: itself, or the limit from now when beyond it. */
    static long clampAt(long expireAtMs, long nowMs) {
        return beyond(expireAtMs, nowMs) ? nowMs + MAX_MS - CLOCK_MARGIN_MS : expireAtMs;
    }

    /** The per-key warning for a TTL {@code aheadMs} ahead of now, the source's key expiring at {@code expireAtMs}. */
    static String warning(long aheadMs, long expireAtMs) {
        return "TTL " + aheadMs + " ms ahead (source expiry " + Instant.ofEpochMilli(expireAtMs) + ", " + expireAtMs
                + " ms) kept as 2^28 s (Dragonfly's limit)";
    }
}
