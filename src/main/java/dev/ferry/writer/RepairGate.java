package dev.ferry.writer;

import dev.ferry.util.WriteFailedException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps senders and route repairs apart. A sender holds the read side while it picks a connection and sends; a
 * repair takes the write side, so it starts only once no sender is half-way through a send, and while it waits
 * or runs no new sender gets in (the lock is non-fair, which makes readers queue behind a waiting writer): the
 * commands a repair replays go before any new one.
 *
 * <p>Senders whose connection broke wait on a condition for the next repair to end, not in a sleep loop.
 */
final class RepairGate {
    /** How long a sender waits for the gate between checks whether the run must stop. */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ReentrantReadWriteLock sends = new ReentrantReadWriteLock(false);
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition changed = stateLock.newCondition();
    /** Repairs begun (waiting for the write side, or running) and not ended. */
    private int repairs;
    /** Counts repair starts and ends, so a waiter cannot miss one between its check and its wait. */
    private long generation;

    /**
     * Enters a send: waits while a repair is waiting or running. {@code stop} runs between waits and throws when
     * the run is over (a repair that fails sets the run's failure, so the wait is bounded by the repair's own).
     */
    void enterSend(Runnable stop) {
        try {
            while (!sends.readLock().tryLock(CHECK_NANOS, TimeUnit.NANOSECONDS)) stop.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted while waiting for the target's connections to be restored");
        }
    }

    void exitSend() {
        sends.readLock().unlock();
    }

    /** Begins a repair: from now on senders wait; returns once no sender is inside a send. */
    void beginRepair() {
        changed(+1);
        sends.writeLock().lock();
    }

    /** Ends a repair begun by this thread; senders go on, and those waiting for a new route look again. */
    void endRepair() {
        sends.writeLock().unlock();
        changed(-1);
    }

    private void changed(int delta) {
        stateLock.lock();
        try {
            repairs += delta;
            generation++;
            changed.signalAll();
        } finally {
            stateLock.unlock();
        }
    }

    /** Repairs begun and not ended. */
    int repairs() {
        stateLock.lock();
        try {
            return repairs;
        } finally {
            stateLock.unlock();
        }
    }

    /** The current generation, to pass to {@link #awaitChange}. */
    long generation() {
        stateLock.lock();
        try {
            return generation;
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Waits up to {@code nanos} for a repair to begin or end after generation {@code seen}; returns whether one
     * did.
     */
    boolean awaitChange(long seen, long nanos) {
        stateLock.lock();
        try {
            while (generation == seen) {
                if (nanos <= 0) return false;
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted while waiting for the target's connections to be restored");
        } finally {
            stateLock.unlock();
        }
    }
}
