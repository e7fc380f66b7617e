package dev.ferry.source.dragonfly;

/**
 * When a flow's journal records arrived, for its lag in time: the age of the oldest record read but not yet
 * committed by the target (as {@code ReplicaLink} keeps for a Redis stream's bytes). Records that arrive close
 * together share one entry (the earliest arrival of the run and the last position in it), so a busy flow costs a
 * few comparisons per record and memory stays bounded: an entry opens only once the grain has passed since the
 * last one, and the grain grows with the age of the oldest entry ({@code age / 1024}, at least 10 ms), so the
 * reading's error stays a small share of the lag itself. At {@link #CAPACITY} entries the newest one takes the
 * records that follow.
 * <p>
 * Written by the flow's thread ({@link #arrived}), read by the session's ACK loop ({@link #lagMillis}).
 */
final class JournalArrivals {
    static final int CAPACITY = 4096;
    static final long MIN_GRAIN_MS = 10;

    /** Ring of entries: the last position of the entry's records, and when its first record arrived. */
    private final long[] positions = new long[CAPACITY];
    private final long[] times = new long[CAPACITY];
    private int head;
    private int size;

    /**
     * A record arrived at {@code nowMillis}; {@code position} is where the flow stands after it (the LSN of the
     * next record, as the target's committed position counts).
     */
    synchronized void arrived(long position, long nowMillis) {
        if (size > 0) {
            int last = (head + size - 1) % CAPACITY;
            long grain = Math.max(MIN_GRAIN_MS, (nowMillis - times[head]) / 1024);
            if (size == CAPACITY || nowMillis - times[last] < grain) {
                positions[last] = Math.max(positions[last], position);
                return;
            }
        }
        int at = (head + size) % CAPACITY;
        positions[at] = position;
        times[at] = nowMillis;
        size++;
    }

    /**
     * Milliseconds since the oldest record above {@code committed} arrived (0 when the target holds every record
     * read); forgets the entries the target committed.
     */
    synchronized long lagMillis(long committed, long nowMillis) {
        while (size > 0 && positions[head] <= committed) {
            head = (head + 1) % CAPACITY;
            size--;
        }
        return size == 0 ? 0 : Math.max(0, nowMillis - times[head]);
    }

    synchronized int entries() {
        return size;
    }
}
