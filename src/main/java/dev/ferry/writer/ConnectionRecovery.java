package dev.ferry.writer;

import dev.ferry.util.WriteFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lost connections: sends that wait out a repair, and the repair itself. A repair restores the routes and sends
 * again every unanswered command that is safe to repeat, in its original order, before any new command; a key
 * whose unanswered commands are not (RPUSH, APPEND, XADD after part of the key was confirmed) is failed and
 * reported, since it may be incomplete on the target. {@link RepairGate} keeps senders and repairs apart.
 */
final class ConnectionRecovery {
    private static final Logger log = LoggerFactory.getLogger(TargetWriter.class);
    /** How often a sender waiting for a new route looks whether the run must stop, at the longest. */
    private static final long LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Routing routing;
    private final Tickets tickets;
    private final RunState state;
    private final long reconnectTimeoutMs;
    private final RepairGate gate = new RepairGate();
    /** Reads a guard's field on the node that owns its key now: was the block applied before the connection was lost? */
    private final java.util.function.Function<Guards.Reference, String> guardReader;

    ConnectionRecovery(Routing routing, Tickets tickets, RunState state, long reconnectTimeoutMs,
                       java.util.function.Function<Guards.Reference, String> guardReader) {
        this.routing = routing;
        this.tickets = tickets;
        this.state = state;
        this.reconnectTimeoutMs = reconnectTimeoutMs;
        this.guardReader = guardReader;
    }

    /**
     * Sends {@code p} along its ticket's route, waiting out route repairs; with {@code awaitWindow}, first waits
     * until the connection's window has room (a producer does; a retry re-sending one command does not). The
     * window is awaited outside the gate, so a repair never waits for a full window to drain, and a held retry
     * (which frees the window once re-sent, through the gate) never waits for a producer.
     */
    void send(Pending p, boolean awaitWindow) {
        send(p, null, awaitWindow);
    }

    /** Sends a MULTI ... EXEC block (one ticket's) back to back on its route, as {@link #send} sends one command. */
    void sendBlock(List<Pending> block) {
        send(block.get(0), block, true);
    }

    private void send(Pending p, List<Pending> block, boolean awaitWindow) {
        // set at the first broken route: the send gives up once its route stays broken that long
        long deadline = 0;
        boolean broke = false;
        while (true) {
            PipelinedConnection conn;
            try {
                if (awaitWindow) routing.route(p.ticket).awaitWindow(state::checkFatal);
                gate.enterSend(state::checkFatal);
                try {
                    conn = routing.route(p.ticket);
                    if (block != null) conn.sendBlock(block);
                    else conn.send(p);
                    return;
                } finally {
                    gate.exitSend();
                }
            } catch (PipelinedConnection.BrokenConnectionException e) {
                conn = e.connection();
            }
            // its reply thread repairs the route; send again once that is done
            if (!broke) {
                broke = true;
                deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(reconnectTimeoutMs + 5_000);
            }
            awaitNewRoute(conn, p.ticket, deadline);
        }
    }

    /**
     * The sender found {@code broken} dead: wait (until {@code deadline}, nanoTime) until the key routes to a
     * repaired or new connection.
     */
    private void awaitNewRoute(PipelinedConnection broken, KeyTicket t, long deadline) {
        while (state.fatal() == null) {
            long seen = gate.generation();
            if (gate.repairs() == 0 && routing.route(t) != broken) return;
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            gate.awaitChange(seen, Math.min(left, LOOK_NANOS));
        }
        state.checkFatal();
        throw new WriteFailedException(broken.brokenReason());
    }

    /** Repairs begun and not ended: a drain counts them as work in flight. */
    int repairs() {
        return gate.repairs();
    }

    /**
     * A connection was lost; its own reply thread calls this, which has no more replies to read. Restores the
     * routes and replays what the connection left unanswered; a repair that fails ends the run.
     */
    void onBroken(PipelinedConnection from, String why) {
        if (state.closing()) return;
        gate.beginRepair();
        try {
            List<Pending> lost = from.takeUnanswered();
            log.warn("{}; restoring the route and re-sending {} command(s)", why, lost.size());
            long deadline = System.currentTimeMillis() + reconnectTimeoutMs;
            // each connection's unanswered commands in the order it sent them: what the target is known to have run
            // is cut from the front of each (see withoutApplied) before anything is sent again
            List<List<Pending>> connections = new ArrayList<>();
            connections.add(lost);
            List<Pending> rest = new ArrayList<>(); // already cut, not yet sent again
            while (true) {
                // every connection replaced here hands over what it left unanswered now, before any producer can
                // send on its successor: its own reply thread's repair would come too late, after newer commands
                for (PipelinedConnection c : routing.restoreRoutes(deadline)) {
                    if (c == from) continue;
                    if (!c.awaitReaderExit(2_000)) log.warn("{}: its reply thread did not stop in time", c.brokenReason());
                    connections.add(c.takeUnanswered());
                }
                // by identity: two blocks of equal guards are still two blocks
                java.util.Set<Guards.Reference> settled = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                List<Pending> todo = new ArrayList<>();
                for (List<Pending> sent : connections) todo.addAll(withoutApplied(sent, settled));
                todo.addAll(rest);
                connections.clear();
                rest.clear();
                int i = 0;
                try {
                    for (; i < todo.size(); i++) replay(todo.get(i), todo, settled);
                    break;
                } catch (PipelinedConnection.BrokenConnectionException e) {
                    // the new route broke as well: what it holds unanswered came before todo[i], keep that order
                    connections.add(new ArrayList<>(e.connection().takeUnanswered()));
                    rest.addAll(todo.subList(i, todo.size()));
                }
            }
            state.reconnects.increment();
            state.error("connection lost");
            routing.flush();
        } catch (RuntimeException e) {
            state.failIfFirst(e instanceof TargetLostException ? e.getMessage() : why + "; reconnecting failed: " + e.getMessage());
        } finally {
            gate.endRepair();
        }
    }

    /**
     * One lost connection's unanswered commands ({@code sent}, in the order it sent them) less those the target is
     * known to have run. A server runs one connection's commands in order, so when the guard of a block in
     * {@code sent} is on the target, everything sent before that block's EXEC ran too, only its replies were lost:
     * it is answered as done, and never sent again. Sending again an assignment that ran (SET k v before a guarded
     * PEXPIREAT k) would undo what ran after it (the TTL): "an assignment sent twice leaves the same data" holds only
     * when nothing after it ran. What comes after the last applied block goes on to {@link #replay}.
     */
    private List<Pending> withoutApplied(List<Pending> sent, java.util.Set<Guards.Reference> settled) {
        int last = -1;
        Guards.Reference seen = null;
        for (int i = sent.size() - 1; i >= 0 && last < 0; i--) {
            KeyTicket t = sent.get(i).ticket;
            Guards.Reference g = t == null ? null : t.guard();
            if (g == null || g == seen) continue;
            seen = g;
            try {
                if (onTarget(g)) last = i; // the block's last command this connection holds
            } catch (RuntimeException e) {
                return sent; // replay() reads it again, and fails what it cannot settle
            }
        }
        if (last < 0) return sent;
        for (int i = 0; i <= last; i++) {
            Pending p = sent.get(i);
            if (p.ticket == null) continue; // a SELECT or ASKING: it ran with what it served
            Guards.Reference g = p.ticket.guard();
            if (g != null && settled.add(g)) state.guardsResolved.increment();
            tickets.answered(p, null);
        }
        log.info("{} command(s) left unanswered had run on the target (a later block's guard is there):"
                + " answered as done, not sent again", last + 1);
        return new ArrayList<>(sent.subList(last + 1, sent.size()));
    }

    private void replay(Pending p, List<Pending> todo, java.util.Set<Guards.Reference> settled) {
        if (p.ticket == null) return; // SELECT and ASKING are re-issued with the commands they served
        Guards.Reference guard = p.ticket.guard();
        if (guard != null) {
            // a block may hold several records (GuardBatch), each with its own ticket: settled once, as a whole, by
            // its guard (one per block, the same object after a settling replaced the block's list: the block's
            // other commands still in todo must not settle it, and send it, a second time)
            if (settled.add(guard)) settleGuarded(p.ticket.block(), guard, todo);
            return;
        }
        if (mayReplay(p)) {
            routing.route(p.ticket).send(p);
            return;
        }
        log.debug("not replayed after a lost connection: {} of key {}", new String(p.args[0], java.nio.charset.StandardCharsets.UTF_8),
                dev.ferry.util.KeyNames.quote(p.ticket.key));
        tickets.answered(p.ticket, LOST_MID_KEY, false);
    }

    /**
     * A guarded block ({@link Guards}, {@link GuardBatch}) left unanswered: its guard on the target says whether it
     * was applied. If it was, its unanswered commands are answered as done; if not, the target dropped the whole block
     * with the connection (a MULTI does not outlive its connection), so the whole block is sent again, the commands
     * already answered (MULTI, QUEUED) as new ones.
     */
    private void settleGuarded(List<Pending> block, Guards.Reference guard, List<Pending> todo) {
        java.util.Set<Pending> unanswered = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.Set<Pending> members = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        members.addAll(block);
        List<Pending> open = new ArrayList<>();
        for (Pending x : todo) if (members.contains(x)) open.add(x);
        unanswered.addAll(open);
        boolean applied;
        try {
            applied = onTarget(guard);
        } catch (RuntimeException e) {
            for (Pending x : open) tickets.answered(x, LOST_MID_KEY + " (its checkpoint could not be read: " + e.getMessage() + ")");
            return;
        }
        if (applied) {
            state.guardsResolved.increment();
            for (Pending x : open) tickets.answered(x, null);
            return;
        }
        List<Pending> again = new ArrayList<>(); // the block as it now stands
        List<Pending> resend = new ArrayList<>();
        for (Pending b : block) {
            if (unanswered.contains(b)) {
                again.add(b);
                resend.add(b);
            } else if (b.queued) { // answered (MULTI's OK, a QUEUED): the server dropped it with the connection
                Pending copy = b.copy();
                b.ticket.added(copy);
                again.add(copy);
                resend.add(copy);
            } else {
                // not handed on yet: its producer, held at the repair gate, sends it after this, on the new route
                again.add(b);
            }
        }
        List<Pending> now = List.copyOf(again);
        java.util.Set<KeyTicket> told = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Pending b : now) if (b.ticket != null && told.add(b.ticket)) b.ticket.guard(guard, now); // a second loss looks at this
        state.guardsResolved.increment();
        PipelinedConnection conn = routing.route(block.get(0).ticket);
        for (Pending b : resend) conn.send(b);
    }

    /** Whether the target holds guard {@code g} (or a later one of its place): its block ran. Throws what reading threw. */
    private boolean onTarget(Guards.Reference g) {
        String held = guardReader.apply(g);
        dev.ferry.checkpoint.Guard h = held == null ? null : dev.ferry.checkpoint.Guard.parse(held);
        return h != null && g.guard().atOrBefore(h);
    }

    /** Why a key whose unanswered commands could not be sent again is failed. */
    static final String LOST_MID_KEY =
            "the connection was lost while this key was being written; it may be incomplete on the target";

    /**
     * Whether {@code p}, left unanswered by a lost connection, may be sent again: its key has not failed, and
     * either sending it twice does no harm or its key's commands can all be repeated from the first (none was
     * answered yet and the first one replaces the whole value).
     */
    static boolean mayReplay(Pending p) {
        KeyTicket t = p.ticket;
        return t.failure() == null && (p.repeatable() || t.replayableFromStart());
    }
}
