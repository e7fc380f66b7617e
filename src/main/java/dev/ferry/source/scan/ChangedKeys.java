package dev.ferry.source.scan;

import dev.ferry.record.DbKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keys of one source master changed since they were last read, oldest first, each at most once: a burst of
 * writes on a hot key costs one re-read. Bounded by distinct keys; what does not fit is refused, never
 * silently forgotten (the caller counts and reports it).
 */
final class ChangedKeys {
    enum Offer { QUEUED, COALESCED, DROPPED }

    private final LinkedHashSet<DbKey> keys = new LinkedHashSet<>();
    private final int limit;
    /** Keys taken and not yet applied: the queue is not idle while there are any. */
    private boolean working;

    ChangedKeys(int limit) {
        this.limit = limit;
    }

    synchronized Offer offer(DbKey k) {
        if (keys.contains(k)) return Offer.COALESCED;
        if (keys.size() >= limit) return Offer.DROPPED;
        keys.add(k);
        notifyAll();
        return Offer.QUEUED;
    }

    /**
     * Takes up to {@code max} keys, waiting up to {@code timeoutMs} for the first; the queue counts as busy
     * until {@link #applied()}.
     */
    synchronized List<DbKey> take(int max, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (keys.isEmpty()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) return List.of();
            wait(left);
        }
        List<DbKey> out = new ArrayList<>(Math.min(max, keys.size()));
        Iterator<DbKey> it = keys.iterator();
        while (it.hasNext() && out.size() < max) {
            out.add(it.next());
            it.remove();
        }
        working = true;
        return out;
    }

    /** The keys last taken are written. */
    synchronized void applied() {
        working = false;
    }

    synchronized boolean idle() {
        return keys.isEmpty() && !working;
    }

    synchronized int size() {
        return keys.size();
    }

    /** Wakes a taker so it can notice it is asked to stop. */
    synchronized void wake() {
        notifyAll();
    }
}
