package dev.ferry.writer;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.Topology;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What each reply means for the command it answers, on the connection's reply thread: a redirect follows the
 * slot, a master turned replica drops the connection (its commands are re-sent to the new master), a refusal
 * that may pass goes to {@link Retries}, a full target gets a grace and then stops the run; anything else is
 * the command's outcome, checked (an EXEC's array holds each command's own reply) and put on its ticket.
 */
final class ReplyDispatch {
    private static final int MAX_RETRIES = 50;

    private final Routing routing;
    private final Retries retries;
    private final Tickets tickets;
    private final RunState state;

    ReplyDispatch(Routing routing, Retries retries, Tickets tickets, RunState state) {
        this.routing = routing;
        this.retries = retries;
        this.tickets = tickets;
        this.state = state;
    }

    void onReply(PipelinedConnection from, Pending p, Reply reply) {
        if (reply instanceof Reply.Error err) {
            onError(from, p, err);
            return;
        }
        if (p.ticket == null) return;
        if ((p.flags & Pending.CHECK_EXEC) != 0) {
            if (p.execTickets != null && reply instanceof Reply.Array a && a.items() != null) tickets.answeredExec(p, a.items());
            else tickets.answered(p, execError(reply));
            return;
        }
        boolean exists = (p.flags & Pending.NIL_MEANS_EXISTS) != 0 && reply instanceof Reply.Bulk b && b.bytes() == null;
        tickets.answered(p.ticket, null, exists);
    }

    private void onError(PipelinedConnection from, Pending p, Reply.Error err) {
        String code = err.code();
        state.error(errorKind(code));
        if (code.equals("MOVED") && p.inBlock && p.retries++ < MAX_RETRIES) {
            // a command queued inside MULTI went to a node that no longer owns its slot (a failover): the node
            // discards the block at EXEC, so it must go again whole, to the new owner; redirecting this command
            // alone would apply it outside its block and without its guard. As after a lost connection: the slot
            // map is read again and the unanswered block is settled by its guard, then sent again.
            throw new PipelinedConnection.Reroute("the slot of a MULTI block moved away from " + from.address());
        }
        if ((code.equals("MOVED") || code.equals("ASK")) && p.retries++ < MAX_RETRIES) {
            routing.redirect(p, Redirect.parse(err.message()));
            return;
        }
        if (code.equals("READONLY") && p.retries++ < MAX_RETRIES) {
            // the master we write to was turned into a replica (a failover): drop this connection so the
            // command and everything after it are re-sent to the new master
            throw new PipelinedConnection.Reroute("target " + from.address() + " became a replica");
        }
        if ((p.flags & Pending.CHECK_EXEC) != 0 && !code.equals("EXECABORT") && p.retries++ < MAX_RETRIES) {
            // the target refused the EXEC itself (OOM, say), not the block: the connection is still inside MULTI, and
            // whatever came next on it would be queued into that transaction, answered QUEUED and never run. Drop
            // the connection; its block is settled by its guard and sent again
            throw new PipelinedConnection.Reroute("target " + from.address() + " refused EXEC (" + err.message() + ")");
        }
        RetryPolicy policy = retries.policy();
        // a command refused while queued inside MULTI is not sent again alone: outside its block it would run
        // without its guard. The target discards the block (EXECABORT), and each of its records fails by name
        if (RetryPolicy.isTransient(code) && p.ticket != null && state.fatal() == null && !p.inBlock
                && policy.transientWithinBound(p, System.nanoTime())) {
            // a failover or a loading node: bounded by --reconnect-timeout like a lost connection
            later(from, p, code, err);
            return;
        }
        if (code.equals("OOM") && p.ticket != null) {
            // eviction may free room in a moment; a target that stays full ends the run: every later write
            // would be refused too, and "confirmed" must not move past refused writes
            if (state.fatal() == null && !p.inBlock && RetryPolicy.oomWithinGrace(p, System.nanoTime())) {
                later(from, p, code, err);
                return;
            }
            if (state.fatal() == null) state.failIfFirst(outOfMemory(from.address(), err.message(), routing.connectOptions()));
        }
        if (p.ticket == null) {
            if (!code.equals("OK")) {
                state.fail("target " + from.address() + " refused " + new String(p.args[0], StandardCharsets.US_ASCII)
                        + ": " + err.message());
            }
            return;
        }
        if (p.execTickets != null) {
            // the EXEC of a block of several live records (EXECABORT: one of its commands was refused as it was
            // queued, which that record's ticket already holds): none of the block was applied, each record fails
            tickets.answered(p, err.message() + " (no record of its block of live writes was applied)");
            return;
        }
        boolean exists = code.equals("BUSYKEY");
        tickets.answered(p.ticket, exists ? null : err.message(), exists);
    }

    /**
     * The kind an error is counted under: its code when it is one of the few the server has (all capitals, as
     * MOVED, OOM, WRONGTYPE), else "ERR": a message-only error's first word may be anything, and a label must
     * stay one of a few values.
     */
    static String errorKind(String code) {
        if (code == null || code.isEmpty() || code.length() > 20) return "ERR";
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && c != '_') return "ERR";
        }
        return code;
    }

    /** Hands {@code p} to the retries; it keeps its place in {@code from}'s window until it is sent again. */
    private void later(PipelinedConnection from, Pending p, String code, Reply.Error err) {
        from.hold();
        retries.later(p, code, err.message(), from::release);
    }

    /** What failed in an EXEC's reply: the first command error in its array, or the reply itself if not an array. */
    static String execError(Reply reply) {
        // EXEC answers with each command's reply: an error there failed that command only
        String error = null;
        if (reply instanceof Reply.Array a && a.items() != null) {
            for (Reply r : a.items()) if (r instanceof Reply.Error e && error == null) error = "in MULTI/EXEC: " + e.message();
        } else if (!(reply instanceof Reply.Array)) {
            error = "EXEC answered " + reply;
        }
        return error;
    }

    private static String outOfMemory(HostPort node, String error, ConnectOptions connectOptions) {
        String limit = "";
        try (RespConnection c = RespConnection.open(node, connectOptions)) {
            Map<String, String> mem = Topology.info(c, "memory");
            limit = " (used_memory " + mem.getOrDefault("used_memory_human", "?") + ", maxmemory "
                    + mem.getOrDefault("maxmemory_human", "?") + ", policy " + mem.getOrDefault("maxmemory_policy", "?") + ")";
        } catch (RuntimeException e) {
            // the numbers are a courtesy; the refusal itself is what matters
        }
        return "target " + node + " is out of memory: it kept refusing writes for "
                + RetryPolicy.OOM_GRACE_NANOS / 1_000_000_000L + " s with \"" + error + "\"" + limit
                + ", so the target holds a partial copy. Raise its limit (CONFIG SET "
                + "maxmemory <bytes>, and in its config file) or free memory, then run Ferry again";
    }
}
