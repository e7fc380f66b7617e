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
    private final int flows;
    private final Map<Long, int[]> arrived = new HashMap<>();
    private final Map<Long, Boolean> done = new HashMap<>();

    FlushBarrier(int flows) {
        this.flows = flows;
    }

    /**
     * Waits for the other flows at {@code txid}; the last to arrive runs {@code action}. Returns false if
     * {@code cancelled} said the session ended while waiting.
     */
    boolean await(long txid, Runnable action, BooleanSupplier cancelled) throws InterruptedException {
        boolean runIt;
        synchronized (this) {
            int[] n = arrived.computeIfAbsent(txid, k -> new int[1]);
            runIt = ++n[0] == flows;
        }
        if (runIt) {
            try {
                action.run();
            } finally {
                synchronized (this) {
                    arrived.remove(txid);
                    done.put(txid, true);
                    notifyAll();
                }
            }
            return true;
        }
        synchronized (this) {
            while (!done.containsKey(txid)) {
                if (cancelled.getAsBoolean()) return false;
                wait(100);
            }
            // every flow but the runner passes once; forget the txid after the last of them
            int[] left = arrived.computeIfAbsent(-txid - 1, k -> new int[] {flows - 1});
            if (--left[0] == 0) {
                arrived.remove(-txid - 1);
                done.remove(txid);
            }
            return true;
        }
    }
}
