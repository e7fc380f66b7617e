package dev.ferry.writer;

import dev.ferry.record.Confirmation;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.util.KeyNames;
import dev.ferry.util.WriteFailedException;
import java.util.function.Consumer;

/**
 * Opens a ticket per source record (numbered for its shard's {@link PositionTracker}) and accounts for it once
 * every command of it is answered: counted as written or applied, reported as failed or skipped, and its
 * position completed, so the shard's committed and confirmed positions move.
 */
final class Tickets {
    private final PositionTracker positions = new PositionTracker();
    private final WriteListener listener;
    private final WriterOptions options;
    private final RunState state;
    /** Runs while a new record waits for older ones to be confirmed (what they need may sit in a send buffer). */
    private final Runnable whileWaiting;

    Tickets(WriteListener listener, WriterOptions options, RunState state, Runnable whileWaiting) {
        this.listener = listener;
        this.options = options;
        this.state = state;
        this.whileWaiting = whileWaiting;
    }

    /** A ticket for one record of {@code shard}; waits while too many of the shard's records are unconfirmed. */
    KeyTicket open(ShardId shard, int db, byte[] key, int lane, boolean command) {
        try {
            return new KeyTicket(shard, positions.open(shard, whileWaiting), db, key, lane, command);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted");
        }
    }

    /**
     * A source record the target cannot take: skipped and reported, or the end of the run under
     * --on-unsupported=fail (then this throws). Its position still counts as applied.
     */
    void unsupported(KeyTicket ticket, String reason) {
        if (options.failOnUnsupported()) {
            state.fail("key " + KeyNames.quote(ticket.key) + " (db " + ticket.db + "): " + reason);
            state.checkFatal();
        }
        ticket.skip(reason);
    }

    /** Closes a ticket at {@code position}; accounts for it when nothing of it is outstanding. */
    void close(KeyTicket t, Position position) {
        if (t.close(position)) finish(t);
    }

    /**
     * The outcome of command {@code p} when it has only one ({@code error}, or null): the EXEC of a block of several
     * records answers each of their tickets.
     */
    void answered(Pending p, String error) {
        if (p.execTickets == null) {
            answered(p.ticket, error, false);
            return;
        }
        KeyTicket previous = null;
        for (KeyTicket t : p.execTickets) {
            if (t != previous) answered(t, error, false);
            previous = t;
        }
    }

    /**
     * An EXEC's array reply for a block of several records: each record's ticket is answered once, failed with the
     * first error among its own commands' replies (item i answers the i-th command queued).
     */
    void answeredExec(Pending exec, java.util.List<dev.ferry.resp.Reply> items) {
        KeyTicket[] byCommand = exec.execTickets;
        // the records the block applied cleanly are counted and completed together, as an MSET's keys are: one
        // tracker lock and one count per block instead of one per record (a live block carries up to 64)
        KeyTicket[] applied = new KeyTicket[byCommand.length];
        int n = 0;
        String error = null;
        for (int i = 0; i < byCommand.length; i++) {
            dev.ferry.resp.Reply r = i < items.size() ? items.get(i) : null;
            if (error == null) {
                if (r == null) error = "EXEC answered " + items.size() + " replies for " + byCommand.length + " commands";
                else if (r instanceof dev.ferry.resp.Reply.Error e) error = "in MULTI/EXEC: " + e.message();
            }
            if (i + 1 == byCommand.length || byCommand[i + 1] != byCommand[i]) {
                KeyTicket t = byCommand[i];
                if (t.answered(error, false)) {
                    if (t.command && cleanlyDone(t)) {
                        applied[n++] = t;
                    } else {
                        finish(t);
                    }
                }
                error = null;
            }
        }
        if (n == 0) return;
        state.commandsApplied.add(n);
        positions.completeAll(applied, n);
    }

    /** Records an answer (error or not) for one command of {@code t}; accounts for it when that was the last. */
    void answered(KeyTicket t, String error, boolean keyExisted) {
        if (t.answered(error, keyExisted)) finish(t);
    }

    /**
     * An MSET's success, which answers each SET it carried alike: only plain SETs of whole keys are grouped (no NX, no
     * EXEC to check, see {@link Pending#GROUPABLE}). The plainly written keys are counted and completed together: one
     * tracker lock and one count per MSET instead of one per key.
     */
    void answeredAll(Pending[] members) {
        KeyTicket[] written = new KeyTicket[members.length];
        int n = 0;
        for (Pending p : members) {
            KeyTicket t = p.ticket;
            if (t == null || !t.answered(null, false)) continue;
            if (!t.command && cleanlyDone(t)) {
                written[n++] = t;
            } else {
                finish(t);
            }
        }
        if (n == 0) return;
        state.keysWritten.add(n);
        positions.completeAll(written, n);
    }

    /**
     * A finished ticket that wrote what it carried (no failure, skip or --no-replace hit): what {@link #finish} would
     * only count and complete, so a group of them is counted and completed together.
     */
    private static boolean cleanlyDone(KeyTicket t) {
        return t.key != null && t.finishedFailure() == null && t.finishedSkipReason() == null && !t.finishedExisted();
    }

    /** Accounts for a ticket whose commands have all been answered. */
    void finish(KeyTicket t) {
        if (t.key == null) { // a position with nothing written
            positions.complete(t.shard, t.seq, t.finishedPosition());
            return;
        }
        String failure = t.finishedFailure();
        String skipReason = t.finishedSkipReason();
        if (failure != null && state.failedOver != null) {
            // the run stops for a target failover and starts again from the new master's checkpoints, which are
            // before this write: it is sent again then, not a failure of the copy
            positions.complete(t.shard, t.seq, t.finishedPosition(), true);
            return;
        }
        if (skipReason != null) {
            listener.skipped(t.db, t.key, skipReason);
        } else if (failure != null) {
            state.keysFailed.increment();
            listener.failed(t.db, t.key, failure);
            if (options.failOnError()) {
                state.failIfFirst("target refused key " + KeyNames.quote(t.key) + " (db " + t.db + "): " + failure);
            }
        } else if (t.finishedExisted()) {
            listener.skipped(t.db, t.key, "exists on the target (--no-replace)");
        } else if (t.command) {
            state.commandsApplied.increment();
        } else {
            state.keysWritten.increment();
        }
        positions.complete(t.shard, t.seq, t.finishedPosition(), failure != null && skipReason == null);
    }

    Position committed(ShardId shard) {
        return positions.committed(shard);
    }

    Position confirmed(ShardId shard) {
        return positions.confirmed(shard);
    }

    /** {@code listener} hears of {@code shard}'s positions as they move, on the reply thread that moved them. */
    void listen(ShardId shard, Consumer<Confirmation> listener) {
        positions.listen(shard, listener);
    }
}
