package dev.ferry.writer;

import dev.ferry.record.Confirmation;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Per source shard, the highest source position whose records have all been confirmed by the target.
 * Records complete out of order (several connections, several nodes); the committed position only moves
 * over an unbroken run of completed records, so it never claims a write that is still in flight. Records are
 * ordered by when they were opened, never by comparing positions; a record that claims no position (null: a
 * part of something larger) moves the run on without changing the position.
 *
 * <p>Two positions per shard: <em>committed</em> passes every record the target has answered, failed ones
 * included (they are reported; the replica ACKs and in-process resumes use it, so a failed write is neither
 * waited on forever nor applied twice); <em>confirmed</em> stops before the first failed write, since
 * "confirmed" promises that everything up to it is on the target.
 */
final class PositionTracker {
    private static final int RING = 1 << 16;

    private static final class Shard {
        final Position[] positions = new Position[RING];
        final boolean[] done = new boolean[RING];
        final boolean[] failed = new boolean[RING];
        /** Set once a failed record was passed: confirmedPosition stays where it was. */
        boolean frozen;
        Position confirmedPosition;
        long nextSeq;        // seq the next record gets
        long committedSeq = -1;
        Position committedPosition;
        long moves;
        Consumer<Confirmation> listener;
    }

    private final Map<ShardId, Shard> shards = new HashMap<>();
    /** Producers waiting in {@link #open} for room (guarded by this): only they need waking. */
    private int waiting;

    /**
     * Numbers a new record of {@code shard}; waits while the ring of unconfirmed records is full, unless
     * {@code stop} says the run is over (then it throws what stop throws).
     */
    /** The shard's state (guarded by this): lane 0 of the first shards from an array, the rest from the map. */
    private Shard shard(ShardId id) {
        if (id.lane() == 0 && id.shard() < first.length) {
            Shard s = first[id.shard()];
            if (s == null) first[id.shard()] = s = shards.computeIfAbsent(id, k -> new Shard());
            return s;
        }
        return shards.computeIfAbsent(id, k -> new Shard());
    }

    private final Shard[] first = new Shard[64];

    synchronized long open(ShardId shard, Runnable stop) throws InterruptedException {
        Shard s = shard(shard);
        while (s.nextSeq - s.committedSeq > RING - 1) {
            waiting++;
            try {
                wait(10);
            } finally {
                waiting--;
            }
            stop.run();
        }
        long seq = s.nextSeq++;
        s.done[(int) (seq & (RING - 1))] = false;
        s.failed[(int) (seq & (RING - 1))] = false;
        return seq;
    }

    /** Who hears of {@code shard}'s positions as they move (one listener per shard). */
    synchronized void listen(ShardId shard, Consumer<Confirmation> listener) {
        shard(shard).listener = listener;
    }

    /** Marks record {@code seq} of {@code shard} as fully applied up to {@code position}. */
    void complete(ShardId shard, long seq, Position position) {
        complete(shard, seq, position, false);
    }

    /**
     * Marks record {@code seq} of {@code shard} as answered; {@code failed}: the target refused a write of it.
     * Tells the shard's listener, outside this tracker's lock, when its positions moved.
     */
    void complete(ShardId shard, long seq, Position position, boolean failed) {
        Confirmation moved;
        Consumer<Confirmation> listener;
        synchronized (this) {
            Shard s = shard(shard);
            mark(s, seq, position, failed);
            moved = advance(shard, s);
            listener = s.listener;
        }
        if (moved != null) listener.accept(moved);
    }

    /**
     * {@link #complete} for several written records at once (the SETs one MSET carried): one lock, and each shard's
     * listener told once at the end rather than once per record.
     */
    void completeAll(KeyTicket[] tickets, int n) {
        Confirmation[] moved = new Confirmation[n];
        @SuppressWarnings("unchecked") Consumer<Confirmation>[] listeners = new Consumer[n];
        int m = 0;
        synchronized (this) {
            for (int i = 0; i < n; i++) {
                KeyTicket t = tickets[i];
                Shard s = shard(t.shard);
                mark(s, t.seq, t.finishedPosition(), false);
                // the shard moves once its last record here is marked (records of one shard usually come together)
                if (i + 1 == n || !tickets[i + 1].shard.equals(t.shard)) {
                    Confirmation c = advance(t.shard, s);
                    if (c != null) {
                        moved[m] = c;
                        listeners[m++] = s.listener;
                    }
                }
            }
        }
        for (int i = 0; i < m; i++) listeners[i].accept(moved[i]);
    }

    private static void mark(Shard s, long seq, Position position, boolean failed) {
        int i = (int) (seq & (RING - 1));
        s.done[i] = true;
        s.failed[i] = failed;
        s.positions[i] = position;
    }

    /**
     * Moves {@code s}'s committed (and confirmed) position over its unbroken run of answered records (guarded by
     * this); returns what its listener is to hear, or null when nothing moved or nobody listens.
     */
    private Confirmation advance(ShardId id, Shard s) {
        boolean any = false;
        while (s.committedSeq + 1 < s.nextSeq && s.done[(int) ((s.committedSeq + 1) & (RING - 1))]) {
            s.committedSeq++;
            int at = (int) (s.committedSeq & (RING - 1));
            Position p = s.positions[at];
            s.positions[at] = null;
            if (s.failed[at]) s.frozen = true;
            if (p != null) {
                s.committedPosition = p;
                if (!s.frozen) s.confirmedPosition = p;
            }
            any = true;
        }
        if (!any) return null;
        if (waiting > 0) notifyAll();
        return s.listener == null ? null : new Confirmation(id, ++s.moves, s.committedPosition, s.confirmedPosition);
    }

    /** The committed position of {@code shard}, or null when nothing is confirmed yet. */
    synchronized Position committed(ShardId shard) {
        Shard s = shards.get(shard);
        return s == null ? null : s.committedPosition;
    }

    /** The position up to which every write of {@code shard} is on the target (before its first failed write), or null. */
    synchronized Position confirmed(ShardId shard) {
        Shard s = shards.get(shard);
        return s == null ? null : s.confirmedPosition;
    }
}
