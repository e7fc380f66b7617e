package dev.ferry.source.dragonfly;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * FLUSHALL and FLUSHDB reach every flow under one txid. Each flow stops there until all have, then exactly one
 * runs it and the others go on once it is done — so no flow's later writes are flushed away and no earlier
 * write survives it, as in Dragonfly's own replica. The flush and every flow's move past it are one step of the
 * run's checkpoint ({@code together}): a crash leaves all flows before it or all after it, never some on each
 * side (those would wait at it on every restart for flows that are past it).
 */
final class FlushBarrier {
    private static final class Round {
        final String what;
        final long since = System.nanoTime();
        /** The flows waiting here, each with how its position moves past the flush. */
        final Map<Integer, Runnable> passes = new LinkedHashMap<>();
        int left;
        boolean done;
        /** The action ran to its end (it did not throw). */
        boolean ran;

        Round(String what) {
            this.what = what;
        }
    }

    /** A flush some flows wait at for the others ({@code flows}: those there), since {@code since} (System.nanoTime). */
    record Waiting(long txid, String what, Set<Integer> flows, long since) {
    }

    private final int flows;
    private final Consumer<Runnable> together;
    private final Map<Long, Round> rounds = new HashMap<>();

    /** {@code together}: runs a step as one step of the checkpoint ({@code ShardSinks.together}). */
    FlushBarrier(int flows, Consumer<Runnable> together) {
        this.flows = flows;
        this.together = together;
    }

    /**
     * Flow {@code flow} waits for the other flows at {@code txid} ({@code what}: the command, for messages); the
     * last to arrive runs {@code action}, then every other flow's {@code passed} (its position moves past the flush:
     * the waiting flows are parked, so their sinks are called from here one thread at a time), all in one step of
     * the checkpoint. Returns true once that ran; false if {@code cancelled} said the session ended before every
     * flow arrived, or the action failed. Once every flow arrived the action is under way, and a flow leaving then
     * would resume before a flush that is done (the others after it): so each waits for the action's end, whether
     * the session ends or not.
     */
    boolean await(int flow, long txid, String what, Runnable action, Runnable passed, BooleanSupplier cancelled)
            throws InterruptedException {
        Round r;
        boolean runIt;
        List<Runnable> others;
        synchronized (this) {
            r = rounds.computeIfAbsent(txid, k -> new Round(what));
            r.passes.put(flow, passed);
            runIt = r.passes.size() == flows;
            r.left++;
            others = new ArrayList<>();
            if (runIt) r.passes.forEach((f, p) -> {
                if (f != flow) others.add(p);
            });
        }
        if (runIt) {
            try {
                together.accept(() -> {
                    action.run();
                    for (Runnable p : others) p.run();
                });
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
                if (r.passes.size() < flows && cancelled.getAsBoolean()) {
                    r.passes.remove(flow); // gone: a flow arriving later must not run the action without it
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

    /** The flushes some flows wait at while others have not arrived, oldest first. */
    synchronized List<Waiting> waiting() {
        List<Waiting> out = new ArrayList<>();
        rounds.forEach((txid, r) -> {
            if (!r.done && r.passes.size() < flows) out.add(new Waiting(txid, r.what, new TreeSet<>(r.passes.keySet()), r.since));
        });
        out.sort((a, b) -> Long.compare(a.since(), b.since()));
        return out;
    }

    /** Rounds still open, for tests. */
    synchronized int open() {
        return rounds.size();
    }
}
