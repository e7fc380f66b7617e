package dev.ferry.source.dragonfly;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells, while some flows wait at a FLUSHALL/FLUSHDB for the others, whether those can still come. A flow that handed
 * on every record the master had journaled on its shard ({@code DFLY REPLICAOFFSET}, asked each second once the wait is
 * a second old, long after the flush was journaled on every shard; two looks in a row must agree) without meeting the
 * flush is past it: the waiting flows
 * would wait for ever, on every restart. That happens only when the flows continued from positions on both sides of
 * the flush — a checkpoint an older Ferry wrote (it moved the flows past a flush one by one), or one a crash left
 * half written — and only a full sync is exact then: the target lost to the flush what the waiting flows now write
 * again from before it. While the others are only behind (reading their backlog) it says once in a while what the
 * flows wait for; used from the session thread.
 */
final class FlushWatch {
    private static final Logger log = LoggerFactory.getLogger(DragonflyReplicaSource.class);
    private static final long CHECK_EVERY = TimeUnit.SECONDS.toNanos(1);
    private static final long SAY_EVERY = TimeUnit.SECONDS.toNanos(10);

    private final FlushBarrier barrier;
    private final int flows;
    /** Flow i's next LSN after everything it handed on (FlowLink.handed). */
    private final IntToLongFunction handed;
    /** Each shard's next journal LSN on the master, or null when the master does not say. */
    private final Supplier<long[]> journal;
    /** System.nanoTime of the next REPLICAOFFSET, or of the next line saying what the flows wait for (while set). */
    private long nextCheck;
    private long nextSay;
    private boolean checking;
    private boolean saying;
    private boolean saidUnknown;
    /** The flows the last look found past the flush the oldest waiting flows wait at. */
    private List<Integer> pastBefore = new ArrayList<>();
    private long pastTxid = -1;

    FlushWatch(FlushBarrier barrier, int flows, IntToLongFunction handed, Supplier<long[]> journal) {
        this.barrier = barrier;
        this.flows = flows;
        this.handed = handed;
        this.journal = journal;
    }

    /** Null while the waiting flows may still be joined; else why they never will be (one line). */
    String apart(long now) {
        List<FlushBarrier.Waiting> waiting = barrier.waiting();
        if (waiting.isEmpty()) {
            pastBefore = new ArrayList<>();
            checking = false;
            saying = false;
            return null;
        }
        FlushBarrier.Waiting w = waiting.get(0);
        if (now - w.since() < CHECK_EVERY || (checking && now - nextCheck < 0)) return null;
        checking = true;
        nextCheck = now + CHECK_EVERY;
        if (w.txid() != pastTxid) pastBefore = new ArrayList<>();
        pastTxid = w.txid();
        if (waiting.size() > 1) {
            // a flow waits at a later flush only after it passed the earlier one, which the others wait at
            FlushBarrier.Waiting later = waiting.get(1);
            return String.format(Locale.ROOT, "%s at the %s of txid %d and %s at the %s of txid %d: the flows "
                            + "continued from positions on both sides of a flush (%s), so they can never meet",
                    TargetCheckpoint.flows(new ArrayList<>(w.flows())) + " wait" + plural(w.flows().size()), w.what(), w.txid(),
                    TargetCheckpoint.flows(new ArrayList<>(later.flows())), later.what(), later.txid(), WHY);
        }
        long[] next = journal.get();
        List<Integer> missing = new ArrayList<>();
        for (int f = 0; f < flows; f++) if (!w.flows().contains(f)) missing.add(f);
        if (next == null) {
            if (!saidUnknown) {
                log.warn("{} wait{} at the {} (txid {}) for {}; the master does not say how far its journal goes (DFLY "
                                + "REPLICAOFFSET), so Ferry cannot tell whether they are past it", TargetCheckpoint.flows(
                        new ArrayList<>(w.flows())), plural(w.flows().size()), w.what(), w.txid(), TargetCheckpoint.flows(missing));
            }
            saidUnknown = true;
            return null;
        }
        List<Integer> past = new ArrayList<>();
        long behind = 0;
        for (int f : missing) {
            long at = handed.applyAsLong(f);
            if (f < next.length && at >= next[f]) past.add(f);
            else if (f < next.length) behind += next[f] - at;
        }
        String waiters = TargetCheckpoint.flows(new ArrayList<>(w.flows()));
        // twice in a row, a second apart: a flush journaled on a slow shard only after the first look is in its
        // flow's part of the second, and the flow then arrives instead of reading past it
        past.retainAll(pastBefore);
        pastBefore = new ArrayList<>(missing);
        pastBefore.removeIf(f -> f >= next.length || handed.applyAsLong(f) < next[f]);
        if (!past.isEmpty()) {
            return String.format(Locale.ROOT, "%s %s past the %s (txid %d) that %s wait%s at: %s from after it and %s "
                            + "from before it (%s), so they can never meet there",
                    TargetCheckpoint.flows(past), past.size() == 1 ? "is" : "are", w.what(), w.txid(), waiters,
                    plural(w.flows().size()), past.size() == 1 ? "it continued" : "they continued", waiters, WHY);
        }
        if (!saying || now - nextSay >= 0) {
            if (saying) {
                log.info("{} wait{} at the {} (txid {}) for {}, which still have {} record(s) of the master's journal to "
                        + "read", waiters, plural(w.flows().size()), w.what(), w.txid(), TargetCheckpoint.flows(missing),
                        String.format(Locale.ROOT, "%,d", behind));
            }
            saying = true;
            nextSay = now + SAY_EVERY;
        }
        return null;
    }

    private static final String WHY = "a checkpoint an older Ferry wrote, or one half written when Ferry stopped";

    private static String plural(int n) {
        return n == 1 ? "s" : "";
    }
}
