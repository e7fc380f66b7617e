package dev.ferry.testkit;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisProtocolException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends batches of {@link WorkloadOp}s pipelined (all nodes written first, then all replies read) and keeps
 * score. Error replies and lost connections are counted by kind, never thrown: a workload must outlive a
 * failover. An op answered MOVED was not executed (nor was a MULTI block that contained it: EXECABORT), so it
 * is resent to the node the MOVED names.
 */
final class WorkloadSender implements AutoCloseable {

    private static final int MAX_MOVED_RETRIES = 5;

    private final WorkloadRouter router;
    private final RespOutput out = new RespOutput(64 * 1024);
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

    WorkloadSender(WorkloadRouter router) {
        this.router = router;
    }

    /** Commands answered so far. */
    long ops() {
        return answered.get();
    }

    /** Ops sent again after a MOVED. */
    long resent() {
        return resent.get();
    }

    Map<String, Long> errors() {
        Map<String, Long> copy = new TreeMap<>();
        errors.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    void count(String kind) {
        errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    /** Sends {@code batch}; returns false if a connection was lost (the caller may want to back off). */
    boolean send(List<WorkloadOp> batch) {
        boolean healthy = true;
        List<WorkloadOp> pending = batch;
        long settleUntil = System.nanoTime() + 5_000_000_000L; // how long a batch may wait out CLUSTERDOWN
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            Map<RespConnection, List<WorkloadOp>> byNode = new LinkedHashMap<>();
            for (WorkloadOp op : pending) {
                try {
                    byNode.computeIfAbsent(router.connectionFor(op), c -> new ArrayList<>()).add(op);
                } catch (RedisConnectionException e) {
                    count("CONNECTION");
                    healthy = false;
                }
            }
            for (var e : byNode.entrySet()) {
                if (!write(e.getKey(), e.getValue())) healthy = false;
            }
            List<WorkloadOp> moved = new ArrayList<>();
            for (var e : byNode.entrySet()) {
                if (!e.getKey().isClosed() && !readReplies(e.getKey(), e.getValue(), moved)) healthy = false;
            }
            if (moved.isEmpty()) break;
            if (clusterSettling && System.nanoTime() < settleUntil) {
                clusterSettling = false;
                attempt--; // waiting out CLUSTERDOWN does not use up the MOVED retries
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            } else if (attempt == MAX_MOVED_RETRIES) {
                moved.forEach(op -> count("MOVED"));
                break;
            }
            resent.addAndGet(moved.size());
            pending = moved;
        }
        return healthy;
    }

    private boolean clusterSettling;

    private boolean write(RespConnection c, List<WorkloadOp> ops) {
        try {
            out.reset();
            for (WorkloadOp op : ops) op.encode(out);
            out.writeTo(c.output());
            c.output().flush();
            return true;
        } catch (IOException e) {
            lost(c);
            return false;
        }
    }

    private boolean readReplies(RespConnection c, List<WorkloadOp> ops, List<WorkloadOp> moved) {
        try {
            for (WorkloadOp op : ops) {
                List<Reply.Error> errs = new ArrayList<>();
                for (int i = 0; i < op.replies(); i++) collectErrors(c.reader().read(), errs);
                Reply.Error redirect = errs.stream().filter(e -> e.code().equals("MOVED")).findFirst().orElse(null);
                // refused while a failover settles: nothing ran (a MULTI block aborts whole), so it is sent again
                boolean settling = errs.stream().anyMatch(e -> e.code().equals("CLUSTERDOWN") || e.code().equals("TRYAGAIN"));
                if (redirect != null) {
                    router.moved(op.slot(), movedTo(redirect));
                    moved.add(op); // not executed: counted when resent
                } else if (settling) {
                    clusterSettling = true;
                    moved.add(op);
                } else {
                    answered.addAndGet(op.replies());
                    errs.forEach(e -> count(kind(e)));
                }
            }
            return true;
        } catch (IOException | RedisProtocolException e) {
            lost(c);
            return false;
        }
    }

    /** "MOVED 3999 127.0.0.1:6381" names the slot's owner. */
    private static HostPort movedTo(Reply.Error e) {
        String target = e.message().substring(e.message().lastIndexOf(' ') + 1);
        int colon = target.lastIndexOf(':');
        return new HostPort(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
    }

    private void lost(RespConnection c) {
        count("CONNECTION");
        router.dropped(c);
    }

    /** Errors anywhere in a reply: EXEC answers an array in which each failed command is an error. */
    private static void collectErrors(Reply r, List<Reply.Error> into) {
        if (r instanceof Reply.Error e) {
            into.add(e);
        } else if (r instanceof Reply.Array a && a.items() != null) {
            for (Reply item : a.items()) collectErrors(item, into);
        }
    }

    /** The error code, and for the catch-all ERR the message too (its text is the only thing telling them apart). */
    static String kind(Reply.Error e) {
        if (!e.code().equals("ERR")) return e.code();
        String m = e.message();
        return m.length() <= 60 ? m : m.substring(0, 60);
    }

    @Override
    public void close() {
        router.close();
    }
}
