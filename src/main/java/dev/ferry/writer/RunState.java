package dev.ferry.writer;

import dev.ferry.util.WriteFailedException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one writer has done so far and whether it can go on: the reason it must stop (first one wins), whether
 * it is closing, its counters, and the target dbs it has sent writes into. Shared by all its parts.
 */
final class RunState {
    private volatile String fatal;
    private volatile boolean closing;
    /** Why the run stopped for a target failover (a new master may lack writes the old one confirmed), or null. */
    volatile String failedOver;
    final LongAdder keysWritten = new LongAdder();
    final LongAdder commandsApplied = new LongAdder();
    final LongAdder nonAtomicTransactions = new LongAdder();
    final LongAdder keysFailed = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    /** Live writes of a resumed run not sent again, because the target's checkpoint shows the earlier run applied them. */
    final LongAdder resumeSkipped = new LongAdder();
    /** Writes whose connection was lost before their answer, found applied on the target by their guard. */
    final LongAdder guardsResolved = new LongAdder();
    /** Guarded blocks of live records sent, and the records in them (several per block, see {@link GuardBatch}). */
    final LongAdder guardedBlocks = new LongAdder();
    final LongAdder guardedRecords = new LongAdder();
    /** The target's refusals and lost connections by kind, for the status endpoint (a few kinds: error codes). */
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
    /** Target dbs this writer has sent a write into (bit n: db n, for dbs below 64; the rest in the set). */
    private final AtomicLong writtenDbs = new AtomicLong();
    private final Set<Integer> writtenHighDbs = ConcurrentHashMap.newKeySet();

    /** Counts one refusal or lost connection of kind {@code kind}. */
    void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    java.util.Map<String, Long> errors() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        errors.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Why the writer cannot go on, or null while it can. */
    String fatal() {
        return fatal;
    }

    /** Records why the run must stop, unless an earlier reason was recorded. */
    void failIfFirst(String why) {
        if (fatal == null) fatal = why;
    }

    /** Records why the run must stop, replacing any earlier reason (as --on-unsupported=fail always did). */
    void fail(String why) {
        fatal = why;
    }

    /** Throws {@link WriteFailedException} once the run must stop. */
    void checkFatal() {
        String f = fatal;
        if (f != null) throw new WriteFailedException(f);
    }

    boolean closing() {
        return closing;
    }

    void close() {
        closing = true;
    }

    /** Told of each target db before the first write into it is sent (the checkpoint records it first). */
    volatile java.util.function.IntConsumer beforeFirstWrite;
    private final Object firstWriteLock = new Object();

    void markWritten(int db) {
        if (db < 0 || wroteTo(db)) return;
        java.util.function.IntConsumer first = beforeFirstWrite;
        if (first == null) {
            set(db);
            return;
        }
        synchronized (firstWriteLock) { // another first writer into the db waits until it is recorded
            if (wroteTo(db)) return;
            first.accept(db);
            set(db);
        }
    }

    private void set(int db) {
        if (db < 64) {
            long bit = 1L << db;
            if ((writtenDbs.get() & bit) == 0) writtenDbs.getAndUpdate(v -> v | bit);
        } else {
            writtenHighDbs.add(db);
        }
    }

    boolean wroteTo(int db) {
        return db < 64 ? (writtenDbs.get() & (1L << db)) != 0 : writtenHighDbs.contains(db);
    }
}
