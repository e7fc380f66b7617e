package dev.ferry.target;

import java.util.HashMap;
import java.util.Map;

/**
 * Per source shard, the highest source position whose records have all been confirmed by the target.
 * Records complete out of order (several connections, several nodes); the committed position only moves
 * over an unbroken run of completed records, so it never claims a write that is still in flight.
 */
final class PositionTracker {
    private static final int RING = 1 << 16;

    private static final class Shard {
        final long[] positions = new long[RING];
        final boolean[] done = new boolean[RING];
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
        return seq;
    }

    /** Marks record {@code seq} of {@code shard} as fully applied up to {@code position}. */
    synchronized void complete(int shard, long seq, long position) {
        Shard s = shards.get(shard);
        int i = (int) (seq & (RING - 1));
        s.done[i] = true;
        s.positions[i] = position;
        boolean moved = false;
        while (s.committedSeq + 1 < s.nextSeq && s.done[(int) ((s.committedSeq + 1) & (RING - 1))]) {
            s.committedSeq++;
            s.committedPosition = s.positions[(int) (s.committedSeq & (RING - 1))];
            moved = true;
        }
        if (moved) notifyAll();
    }

    /** The committed position of {@code shard}, or -1 when nothing is confirmed yet. */
    synchronized long committed(int shard) {
        Shard s = shards.get(shard);
        return s == null ? -1 : s.committedPosition;
    }

    synchronized Map<Integer, Long> committedAll() {
        Map<Integer, Long> m = new HashMap<>();
        shards.forEach((k, s) -> m.put(k, s.committedPosition));
        return m;
    }
}
