package dev.ferry.writer;

import java.util.HashMap;
import java.util.Map;

/**
 * Per source shard, the highest source position whose records have all been confirmed by the target.
 * Records complete out of order (several connections, several nodes); the committed position only moves
 * over an unbroken run of completed records, so it never claims a write that is still in flight.
 *
 * <p>Two positions per shard: <em>committed</em> passes every record the target has answered, failed ones
 * included (they are reported; the replica ACKs and in-process resumes use it, so a failed write is neither
 * waited on forever nor applied twice); <em>confirmed</em> stops before the first failed write, since
 * "confirmed" promises that everything up to it is on the target.
 */
final class PositionTracker {
    private static final int RING = 1 << 16;

    private static final class Shard {
        final long[] positions = new long[RING];
        final boolean[] done = new boolean[RING];
        final boolean[] failed = new boolean[RING];
        /** Set once a failed record was passed: confirmedPosition stays where it was. */
        boolean frozen;
        long confirmedPosition = -1;
        long nextSeq;        // seq the next record gets
        long committedSeq = -1;
        long committedPosition = -1;
    }

    private final Map<Integer, Shard> shards = new HashMap<>();

    /**
     * Numbers a new record of {@code shard}; waits while the ring of unconfirmed records is full, unless
     * {@code stop} says the run is over (then it throws what stop throws).
     */
    synchronized long open(int shard, Runnable stop) throws InterruptedException {
        Shard s = shards.computeIfAbsent(shard, k -> new Shard());
        while (s.nextSeq - s.committedSeq > RING - 1) {
            wait(10);
            stop.run();
        }
        long seq = s.nextSeq++;
        s.done[(int) (seq & (RING - 1))] = false;
        s.failed[(int) (seq & (RING - 1))] = false;
        return seq;
    }

    /** Marks record {@code seq} of {@code shard} as fully applied up to {@code position}. */
    synchronized void complete(int shard, long seq, long position) {
        complete(shard, seq, position, false);
    }

    /** Marks record {@code seq} of {@code shard} as answered; {@code failed}: the target refused a write of it. */
    synchronized void complete(int shard, long seq, long position, boolean failed) {
        Shard s = shards.get(shard);
        int i = (int) (seq & (RING - 1));
        s.done[i] = true;
        s.failed[i] = failed;
        s.positions[i] = position;
        boolean moved = false;
        while (s.committedSeq + 1 < s.nextSeq && s.done[(int) ((s.committedSeq + 1) & (RING - 1))]) {
            s.committedSeq++;
            int at = (int) (s.committedSeq & (RING - 1));
            s.committedPosition = s.positions[at];
            if (s.failed[at]) s.frozen = true;
            if (!s.frozen) s.confirmedPosition = s.committedPosition;
            moved = true;
        }
        if (moved) notifyAll();
    }

    /** The committed position of {@code shard}, or -1 when nothing is confirmed yet. */
    synchronized long committed(int shard) {
        Shard s = shards.get(shard);
        return s == null ? -1 : s.committedPosition;
    }

    /** The position up to which every write of {@code shard} is on the target (before its first failed write), or -1. */
    synchronized long confirmed(int shard) {
        Shard s = shards.get(shard);
        return s == null ? -1 : s.confirmedPosition;
    }

    synchronized Map<Integer, Long> committedAll() {
        Map<Integer, Long> m = new HashMap<>();
        shards.forEach((k, s) -> m.put(k, s.committedPosition));
        return m;
    }
}
