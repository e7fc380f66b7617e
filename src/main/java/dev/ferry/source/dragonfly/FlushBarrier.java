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
        /** The action ran to its end (it did not throw). */
        boolean ran;
    }

    private final int flows;
    private final Map<Long, Round> rounds = new HashMap<>();

    FlushBarrier(int flows) {
        this.flows = flows;
    }

    /**
     * Waits for the other flows at {@code txid}; the last to arrive runs {@code action}. Returns true once the action
     * ran; false if {@code cancelled} said the session ended before every flow arrived, or the action failed. Once
     * every flow arrived the action is under way, and a flow leaving then would resume before a flush that is done
     * (the others after it): so each waits for the action's end, whether the session ends or not.
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
                r.ran = true;
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
                if (r.arrived < flows && cancelled.getAsBoolean()) {
                    r.arrived--; // gone: a flow arriving later must not run the action without it
                    leave(txid, r);
                    return false;
                }
                wait(100);
            }
            leave(txid, r);
            return r.ran;
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
