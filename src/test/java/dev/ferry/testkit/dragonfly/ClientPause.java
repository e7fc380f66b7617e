package dev.ferry.testkit.dragonfly;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * CLIENT PAUSE as Dragonfly v1.40 keeps it (read in server_family.cc ClientPauseCmd/Pause and
 * main_service.cc CheckPauseState): a WRITE pause holds back commands that journal (and PUBLISH, writable EVAL,
 * a writing EXEC); an ALL pause holds back every command of a normal connection. Each pause ends at its own
 * deadline; CLIENT UNPAUSE ends all of them at once (it clears one shared "pause in progress" flag). Expiry is
 * also stopped while a pause lasts ({@code SetExpireAllowed(false)}).
 *
 * <p>Guarded by the master's lock; waiters wait on its condition, which releases the lock, so reads that take
 * the lock (DFLY REPLICAOFFSET) keep being answered during a pause.
 */
final class ClientPause {
    private final Condition changed;
    private long writeUntilNanos;
    private long allUntilNanos;
    private boolean writeActive;
    private boolean allActive;

    ClientPause(Condition changed) {
        this.changed = changed;
    }

    /** Caller holds the lock (so no write is half done: the real master waits for running commands before +OK). */
    void pause(long ms, boolean writeOnly) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        if (writeOnly) {
            writeUntilNanos = writeActive ? Math.max(writeUntilNanos, until) : until;
            writeActive = true;
        } else {
            allUntilNanos = allActive ? Math.max(allUntilNanos, until) : until;
            allActive = true;
        }
        changed.signalAll();
    }

    /** Caller holds the lock. */
    void unpause() {
        writeActive = false;
        allActive = false;
        changed.signalAll();
    }

    /** Caller holds the lock. Whether a write (or, with {@code write} false, a read) would wait now. */
    boolean holds(boolean write) {
        long now = System.nanoTime();
        if (allActive && now - allUntilNanos >= 0) allActive = false;
        if (writeActive && now - writeUntilNanos >= 0) writeActive = false;
        return allActive || (write && writeActive);
    }

    /** Caller holds the lock. Waits until the pauses that hold this kind of command are over (unpaused or expired). */
    void await(boolean write) {
        while (holds(write)) {
            long now = System.nanoTime();
            long until = Long.MAX_VALUE;
            if (allActive) until = allUntilNanos;
            if (write && writeActive && (until == Long.MAX_VALUE || writeUntilNanos - until > 0)) until = writeUntilNanos;
            try {
                changed.awaitNanos(Math.max(1, until - now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a CLIENT PAUSE to end", e);
            }
        }
    }
}
