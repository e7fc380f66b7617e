package dev.ferry.source.dragonfly;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * FLUSHALL and FLUSHDB reach every flow under one txid. Each flow stops there until all have, then exactly one
 * runs it and the others go on once it is done — so no flow's later writes are flushed away and no earlier
 * write survives it, as in Dragonfly's own replica.
 */
final class FlushBarrier {
    private static final class Round {
        int arrived;
        int left;
        boolean done;
    }

    private final int flows;
    private final Map<Long, Round> rounds = new HashMap<>();

    FlushBarrier(int flows) {
        this.flows = flows;
    }

    /**
     * Waits for the other flows at {@code txid}; the last to arrive runs {@code action}. Returns false if
     * {@code cancelled} said the session ended while waiting.
     */
    boolean await(long txid, Runnable action, BooleanSupplier cancelled) throws InterruptedException {
        Round r;
        boolean runIt;
        synchronized (this) {
            r = rounds.computeIfAbsent(txid, k -> new Round());
            runIt = ++r.arrived == flows;
            r.left++;
        }
        if (runIt) {
            try {
                action.run();
            } finally {
                synchronized (this) {
                    r.done = true;
                    leave(txid, r);
                    notifyAll();
                }
            }
            return true;
        }
        synchronized (this) {
            while (!r.done) {
                if (cancelled.getAsBoolean()) {
                    leave(txid, r);
                    return false;
                }
                wait(100);
            }
            leave(txid, r);
            return true;
        }
    }

    private void leave(long txid, Round r) {
        if (--r.left == 0) rounds.remove(txid);
    }

    /** Rounds still open, for tests. */
    synchronized int open() {
        return rounds.size();
    }
}
