package dev.ferry.writer;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One target connection used as a pipeline: commands are encoded into a buffer and written in large
 * chunks, at most {@code window} of them unanswered; a thread of its own reads the replies and hands each
 * to the writer together with the command it answers (replies come in order, so the oldest in-flight
 * command is the one answered).
 */
final class PipelinedConnection implements AutoCloseable {
    interface ReplyHandler {
        void onReply(PipelinedConnection from, Pending command, Reply reply);

        void onBroken(PipelinedConnection from, String why);

        /**
         * An MSET of grouped SETs was refused for a reason one of its keys may have alone (an ACL rule, say): none of
         * it was written, and each SET goes again by itself for its own answer. Each holds its place in the window
         * ({@link #hold}) until sent again.
         */
        void onGroupRefused(PipelinedConnection from, Pending[] members, Reply.Error error);

        /** An MSET of grouped SETs was answered without an error: the reply answers each of them. */
        default void onGroupAnswered(PipelinedConnection from, Pending[] members, Reply reply) {
            for (Pending m : members) onReply(from, m, reply);
        }
    }

    /**
     * Queued commands go out once this many bytes wait (or the window fills, or a producer waits): about what Redis
     * reads per call, so it works on one batch while the next is encoded. At 256 KB it sat idle until ~1,000
     * commands had piled up, then the producer waited while it caught up (1M strings: 2.05 -> 1.72 s).
     */
    private static final int FLUSH_BYTES = 32 * 1024;
    private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MSET = "MSET".getBytes(StandardCharsets.US_ASCII);
    /** Groupable SETs per MSET: Redis applies 1M 100-byte strings as MSETs of 64 for ~75% of the CPU of 1M SETs. */
    static final int GROUP = 64;

    private final RespConnection conn;
    private final OutputStream socketOut;
    private final RespOutput out = new RespOutput(FLUSH_BYTES + 64 * 1024);
    private final ConcurrentLinkedQueue<Pending> inFlight = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlightCount = new AtomicInteger();
    /**
     * Commands this connection's target refused and {@link Retries} will send again: they keep their place in the
     * window, so the producer does not pile new commands onto a target that refuses them.
     */
    private final AtomicInteger held = new AtomicInteger();
    /** Commands queued in {@code out} since the last flush (guarded by this). */
    private int unsent;
    private final int window;
    /** A producer that found the window full goes on once no more than this many are unanswered. */
    private final int lowWater;
    private final ReplyHandler handler;
    private final Thread replyThread;
    private final Object windowMonitor = new Object();
    /**
     * Producers waiting for room (changed under windowMonitor). A count, not a flag: several source shards share a
     * connection, and one waking up must not hide another that still waits (it then slept its whole 5 ms).
     */
    private volatile int producersWaiting;
    private volatile String broken;
    private volatile boolean closing;
    private int currentDb;
    /** Groupable SETs queued and not encoded yet, all of db {@code groupDb} (guarded by this). */
    private final Pending[] group = new Pending[GROUP];
    private int grouped;
    private int groupDb;
    private final java.util.concurrent.atomic.LongAdder bytesSent;

    /** {@code bytesSent} is shared by the writer's connections, so it survives a connection's replacement. */
    PipelinedConnection(RespConnection conn, int window, ReplyHandler handler, String name,
                        java.util.concurrent.atomic.LongAdder bytesSent) {
        this.bytesSent = bytesSent;
        this.conn = conn;
        this.socketOut = conn.output();
        this.window = window;
        this.lowWater = window / 2;
        this.handler = handler;
        conn.setReadTimeout(0); // a slow command (a huge RESTORE) must not look like a dead server
        this.replyThread = new Thread(this::readReplies, name);
        this.replyThread.setDaemon(true);
        this.replyThread.start();
    }

    HostPort address() {
        return conn.address();
    }

    /**
     * Waits until the window has room; call before {@link #send} from the producing thread. {@code stop} runs
     * between waits and throws when the run is over.
     */
    void awaitWindow(Runnable stop) {
        if (inFlightCount.get() + held.get() < window) return;
        // full: wait until half of it is answered, not just one command. Woken at every reply, a producer sent one
        // command and one tiny write per wake-up, and target, reply thread and producer took turns instead of
        // working side by side (7,800 waits for a 1M-key snapshot)
        while (inFlightCount.get() + held.get() > lowWater) {
            checkBroken();
            stop.run();
            flush();
            synchronized (windowMonitor) {
                producersWaiting++;
                try {
                    if (inFlightCount.get() + held.get() > lowWater && broken == null) windowMonitor.wait(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RedisConnectionException("interrupted while writing to " + address());
                } finally {
                    producersWaiting--;
                }
            }
        }
    }

    /**
     * Queues a command; a command for another db is preceded by SELECT. Throws {@link BrokenConnectionException}
     * only when the command was not queued; once queued it is either answered or handed back by
     * {@link #takeUnanswered()}.
     */
    synchronized void send(Pending p) {
        checkBroken();
        if ((p.flags & Pending.GROUPABLE) != 0 && !p.alone) {
            if (grouped > 0 && groupDb != p.db) closeGroup();
            p.queued = true;
            group[grouped++] = p;
            groupDb = p.db;
            inFlightCount.incrementAndGet();
            unsent++;
            if (grouped == GROUP) closeGroup();
        } else {
            closeGroup(); // what was grouped goes first: a key's commands stay in the order they were sent
            enqueueInItsDb(p);
        }
        if (out.size() >= FLUSH_BYTES) flushLocked();
    }

    /**
     * Encodes the grouped SETs as one MSET (a single one as itself). Its reply answers each of them; a lost
     * connection hands them back one by one ({@link #takeUnanswered}), each safe to send again.
     */
    private void closeGroup() {
        int n = grouped;
        if (n == 0) return;
        grouped = 0;
        Pending p;
        if (n == 1) {
            p = group[0];
        } else {
            byte[][] args = new byte[1 + 2 * n][];
            args[0] = MSET;
            Pending[] members = new Pending[n];
            for (int i = 0; i < n; i++) {
                members[i] = group[i];
                args[1 + 2 * i] = group[i].args[1];
                args[2 + 2 * i] = group[i].args[2];
            }
            p = Pending.control(args);
            p.members = members;
        }
        java.util.Arrays.fill(group, 0, n, null);
        if (groupDb >= 0 && groupDb != currentDb) {
            // counted like any queued command: its reply is taken off the count, which must not go below what is
            // unanswered (drain waits for exactly 0)
            enqueue(Pending.control(new byte[][] {SELECT, Integer.toString(groupDb).getBytes(StandardCharsets.US_ASCII)}));
            currentDb = groupDb;
        }
        // counted in the window and as unsent when grouped
        p.queued = true;
        out.command(p.args.length);
        for (byte[] a : p.args) out.arg(a);
        inFlight.add(p);
    }

    /** Queues {@code p} after a SELECT of its db when the connection stands in another one. */
    private void enqueueInItsDb(Pending p) {
        if (p.db >= 0 && p.db != currentDb) {
            byte[][] select = {SELECT, Integer.toString(p.db).getBytes(StandardCharsets.US_ASCII)};
            enqueue(Pending.control(select));
            currentDb = p.db;
        }
        enqueue(p);
    }

    /**
     * Queues a MULTI ... EXEC block back to back: another shard's commands on this connection (shards share
     * connections when there are more of them than connections) must not fall inside it. All or nothing: a broken
     * connection queues none of it.
     */
    synchronized void sendBlock(java.util.List<Pending> block) {
        checkBroken();
        closeGroup();
        for (Pending p : block) {
            p.inBlock = true;
            enqueueInItsDb(p);
        }
        if (out.size() >= FLUSH_BYTES) flushLocked();
    }

    /** Queues several commands that must go back to back (ASKING + the command). */
    synchronized void sendTogether(Pending first, Pending second) {
        checkBroken();
        closeGroup();
        enqueue(first);
        enqueue(second);
        flushLocked();
    }

    /** The commands were queued before the write failed: they are handed back by takeUnanswered, not lost. */

    private void enqueue(Pending p) {
        encode(p);
        inFlightCount.incrementAndGet();
        unsent++;
    }

    private void encode(Pending p) {
        p.queued = true;
        out.command(p.args.length);
        for (byte[] a : p.args) out.arg(a);
        inFlight.add(p);
    }

    synchronized void flush() {
        if (broken == null) flushLocked();
    }

    private void flushLocked() {
        closeGroup();
        try {
            bytesSent.add(out.size());
            out.writeTo(socketOut);
            socketOut.flush();
            unsent = 0;
        } catch (IOException e) {
            out.reset();
            unsent = 0;
            // the reply thread notices the closed socket and reports the loss; what was queued is replayed
            markBroken("write to " + address() + " failed: " + e.getMessage());
            conn.close();
        }
    }

    int inFlight() {
        return inFlightCount.get();
    }

    /**
     * Commands written to the socket and not answered yet: the ones the server will still answer, unless the
     * connection is lost (then none). Queued commands not flushed yet are not among them.
     */
    synchronized int awaitingReply() {
        return broken != null ? 0 : Math.max(0, inFlightCount.get() - unsent);
    }

    /** A command answered on this connection waits to be sent again (call before its reply handler returns). */
    void hold() {
        held.incrementAndGet();
    }

    /** A held command was sent again, or given up: its place in the window is free. */
    void release() {
        held.decrementAndGet();
        if (producersWaiting > 0) {
            synchronized (windowMonitor) {
                windowMonitor.notifyAll();
            }
        }
    }

    private final java.util.concurrent.CountDownLatch readerExited = new java.util.concurrent.CountDownLatch(1);

    /**
     * Waits (at most {@code ms}) until this broken connection's reply thread dispatches no more replies, so what
     * {@link #takeUnanswered} hands to a repair is answered by nobody else. Returns whether it did.
     */
    boolean awaitReaderExit(long ms) {
        try {
            return readerExited.await(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String brokenReason() {
        return broken;
    }

    private void checkBroken() {
        String b = broken;
        if (b != null) throw new BrokenConnectionException(b);
    }

    /**
     * Thrown by a reply handler that learned this connection leads to the wrong server now (a master turned
     * replica): the connection is dropped with the answered command still unanswered, so it is re-sent.
     */
    static final class Reroute extends RuntimeException {
        Reroute(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown to a sender when the connection is gone: the writer restores its routes and sends again. */
    final class BrokenConnectionException extends RedisConnectionException {
        BrokenConnectionException(String message) {
            super(message);
        }

        PipelinedConnection connection() {
            return PipelinedConnection.this;
        }
    }

    /**
     * The commands sent and never answered, in the order they were sent, once the connection is broken. Taken
     * under the send lock, so no command can join them afterwards.
     */
    synchronized java.util.List<Pending> takeUnanswered() {
        java.util.List<Pending> out = new java.util.ArrayList<>(inFlight.size() + grouped);
        for (Pending p : inFlight) {
            if (p.members == null) out.add(p);
            else java.util.Collections.addAll(out, p.members);
        }
        for (int i = 0; i < grouped; i++) out.add(group[i]);
        java.util.Arrays.fill(group, 0, grouped, null);
        grouped = 0;
        inFlight.clear();
        inFlightCount.set(0);
        unsent = 0;
        return out;
    }

    private void readReplies() {
        try {
            while (true) {
                Reply r = conn.reader().read();
                Pending p = inFlight.peek();
                if (p == null) throw new IOException("reply with no command waiting for it: " + r);
                int answered = 1;
                if (p.members == null) {
                    handler.onReply(this, p, r);
                } else if (r instanceof Reply.Error e && refusedForAKey(e.code())) {
                    for (Pending m : p.members) {
                        m.alone = true;
                        hold();
                    }
                    handler.onGroupRefused(this, p.members, e);
                    answered = p.members.length;
                } else if (!(r instanceof Reply.Error)) {
                    handler.onGroupAnswered(this, p.members, r);
                    answered = p.members.length;
                } else {
                    // an MSET answers for each SET it carries; a redirect or a refusal is each one's to handle
                    Pending[] members = p.members;
                    for (int i = 0; i < members.length; i++) {
                        try {
                            handler.onReply(this, members[i], r);
                        } catch (Reroute e) {
                            // the rest are answered by nobody: handed back with the MSET's unanswered members
                            p.members = java.util.Arrays.copyOfRange(members, i, members.length);
                            inFlightCount.addAndGet(-i);
                            throw e;
                        }
                    }
                    answered = members.length;
                }
                inFlight.poll();
                int left = inFlightCount.addAndGet(-answered);
                if (producersWaiting > 0 && left + held.get() <= lowWater) {
                    synchronized (windowMonitor) {
                        windowMonitor.notifyAll();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                markBroken(e instanceof Reroute ? e.getMessage() + " with " + inFlightCount.get() + " commands unanswered"
                        : "connection to " + address() + " lost with " + inFlightCount.get() + " commands unanswered: "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                conn.close();
                readerExited.countDown(); // no reply is dispatched from here on: a repair may take what is unanswered
                handler.onBroken(this, broken);
            }
        }
    }

    /**
     * Whether an MSET's refusal may be one key's and not the others' (an ACL rule on some keys, a value too large):
     * not a redirect, a replica, a transient state or memory, which refuse each SET alike and are handled per SET.
     */
    private static boolean refusedForAKey(String code) {
        return !(code.equals("MOVED") || code.equals("ASK") || code.equals("READONLY") || code.equals("OOM")
                || RetryPolicy.isTransient(code));
    }

    private void markBroken(String why) {
        if (broken != null) return;
        broken = why;
        synchronized (windowMonitor) {
            windowMonitor.notifyAll();
        }
    }

    @Override
    public void close() {
        closing = true;
        conn.close();
        try {
            replyThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
