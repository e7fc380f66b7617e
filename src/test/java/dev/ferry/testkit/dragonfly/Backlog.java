package dev.ferry.testkit.dragonfly;

import java.util.ArrayList;
import java.util.List;

/**
 * One flow's ring of its most recent journal records (--shard_repl_backlog_len), the only source a
 * PARTIAL sync can replay from. Not thread-safe: the master guards it with its lock.
 */
final class Backlog {
    private final byte[][] ring;
    private long firstLsn = 1; // LSN of the oldest record held
    private long nextLsn = 1;

    Backlog(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("backlog capacity must be positive");
        this.ring = new byte[capacity][];
    }

    void add(long lsn, byte[] record) {
        if (lsn != nextLsn) throw new IllegalStateException("backlog expects LSN " + nextLsn + ", got " + lsn);
        ring[(int) (lsn % ring.length)] = record;
        nextLsn++;
        if (nextLsn - firstLsn > ring.length) firstLsn = nextLsn - ring.length;
    }

    /** Whether a replica whose next expected record is {@code lsn} can continue from here. */
    boolean canResumeFrom(long lsn) {
        return lsn == nextLsn || (lsn >= firstLsn && lsn < nextLsn);
    }

    List<byte[]> from(long lsn) {
        if (!canResumeFrom(lsn)) throw new IllegalArgumentException("LSN " + lsn + " not in backlog [" + firstLsn + "," + nextLsn + ")");
        List<byte[]> out = new ArrayList<>((int) (nextLsn - lsn));
        for (long l = lsn; l < nextLsn; l++) out.add(ring[(int) (l % ring.length)]);
        return out;
    }

    void reset() {
        firstLsn = 1;
        nextLsn = 1;
        java.util.Arrays.fill(ring, null);
    }
}
