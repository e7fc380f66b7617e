package dev.ferry.source.dragonfly;

import dev.ferry.rdb.DragonflyFlowReader;
import dev.ferry.rdb.JournalRecord;
import dev.ferry.rdb.RdbFormatException;
import dev.ferry.rdb.RdbReader;
import dev.ferry.rdb.RdbVisitor;
import dev.ferry.record.Command;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.resp.RespConnection;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSink;
import dev.ferry.source.SnapshotSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One flow of one session: reads the shard's full sync (if the master sent FULL) and then its journal, on its
 * own thread, and hands both to the flow's {@link ShardSink}. Positions are {@link FlowLsn}s: after a record, the
 * LSN of the next one — exactly what an ACK must carry once the target confirmed it.
 */
final class FlowLink implements Runnable {
    /** The master sent FLUSHALL/FLUSHDB inside the full sync: Dragonfly's replica starts over, so do we. */
    static final class RestartFullSync extends RuntimeException {
        RestartFullSync(String m) { super(m); }
    }

    /** The journal skipped or repeated an LSN: only a full sync can be trusted now. */
    static final class LsnGap extends RuntimeException {
        LsnGap(String m) { super(m); }
    }

    interface Session {
        boolean cancelled();

        FlushBarrier barrier();

        void fullSyncEnded(int flow);

        void ackSoon();
    }

    final int flow;
    /** The master's replication id: every position of this flow is within its journal. */
    private final String master;
    private final RespConnection conn;
    /** Whether this flow begins with a full sync (FULL); else it continues the journal from an LSN (PARTIAL). */
    final boolean full;
    private final ShardSink sink;
    private final ShardProgress progress;
    private final Session session;
    private final boolean snapshotOnly;
    private final boolean targetHasJson;
    private final DragonflyFlowReader reader;
    private final SnapshotSink snapshot;
    private final Map<Long, List<Command>> legacyTx = new HashMap<>();
    final CountDownLatch done = new CountDownLatch(1);
    /** LSN of the next record this flow expects; -1 until the stable phase. */
    final AtomicLong next = new AtomicLong(-1);
    /**
     * LSN of the next record after everything handed to the sink: where a new session continues this flow (once the
     * sink drained). Behind {@link #next} while a record is read but not handed on: a FLUSH waiting for the other
     * flows, a MULTI block before its EXEC. Resuming from {@code next} there would skip the FLUSH on this flow while
     * the flow that had not reached it yet replays it, and waits at the barrier for flows that never come.
     */
    final AtomicLong handed = new AtomicLong(-1);
    volatile long firstAck = -1;
    /** The LSN after the last PING record: acknowledged as soon as the target confirmed it (see Session.confirmed). */
    volatile long pingAck = -1;
    volatile long recordsSinceAck;
    /** The last LSN acknowledged to the master. */
    volatile long acked = -1;
    volatile Throwable error;
    /** When the journal's records were read: the flow's lag in time (Session's ACK loop reads it). */
    final JournalArrivals arrivals = new JournalArrivals();
    private long journalOffset = -1;
    private final Thread thread;

    FlowLink(int flow, String master, RespConnection conn, boolean full, long partialLsn, ShardSink sink, ShardProgress progress,
             Session session, boolean snapshotOnly,
             boolean targetHasJson, String name) {
        this.flow = flow;
        this.master = master;
        this.conn = conn;
        this.full = full;
        this.sink = sink;
        this.progress = progress;
        this.session = session;
        this.snapshotOnly = snapshotOnly;
        this.targetHasJson = targetHasJson;
        if (!full) {
            next.set(partialLsn);
            handed.set(partialLsn);
        }
        // a partial sync sends no snapshot: opening one would tell the pipeline a copy begins (it removes an earlier
        // run's copy there), and its reader options only matter to snapshot entries
        this.snapshot = full ? sink.snapshot(FlowLsn.inFullSync(master, flow)) : null;
        this.reader = new DragonflyFlowReader(new ReplyStream(conn, sink, progress), new Listener(),
                full ? snapshot.readerOptions() : new RdbReader.Options(), name);
        this.thread = new Thread(this, "dfly-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void join() throws InterruptedException {
        thread.join();
    }

    long bytesRead() {
        return reader.progress();
    }

    @Override
    public void run() {
        try {
            conn.setReadTimeout(0); // an idle flow is silent: no heartbeats, only TCP keepalive
            if (full) {
                progress.phase(ShardProgress.Phase.SNAPSHOT);
                reader.readFullSync();
                if (journalOffset < 0) throw RdbFormatException.of("the full sync ended without a journal offset");
                next.set(journalOffset);
            }
            if (snapshotOnly) return;
            sink.startLive();
            sink.advance(new FlowLsn(master, flow, next.get()));
            handed.set(next.get());
            firstAck = next.get();
            progress.phase(ShardProgress.Phase.LIVE);
            session.ackSoon();
            stable();
        } catch (SnapshotComplete end) {
            // --mode snapshot: the rest of the flow is the live part, which is not wanted
        } catch (Throwable t) {
            error = t;
            conn.close(); // the master then cancels the whole session, which wakes whoever waits on it
        } finally {
            reader.close();
            done.countDown();
        }
    }

    private void stable() throws InterruptedException {
        while (!session.cancelled()) {
            JournalRecord r = reader.nextRecord();
            progress.commandsRead.increment();
            // every record but the LSN marker and FIN moves the position by one: the flow stands at next + 1 after it
            if (r.kind() != JournalRecord.Kind.LSN && r.kind() != JournalRecord.Kind.FIN) {
                arrivals.arrived(next.get() + 1, System.currentTimeMillis());
            }
            switch (r.kind()) {
                case COMMAND -> {
                    Position pos = new FlowLsn(master, flow, next.incrementAndGet());
                    if (isFlush(r)) {
                        // the flow that runs it moves every other flow's position past it too, in one checkpoint step
                        if (!session.barrier().await(flow, r.txid(), r.name().toUpperCase(Locale.ROOT),
                                () -> sink.command(new Command(r.db(), r.args(), pos)), () -> sink.advance(pos),
                                session::cancelled)) {
                            return;
                        }
                    } else {
                        apply(r.db(), r.args(), pos);
                    }
                }
                case MULTI_COMMAND -> {
                    next.incrementAndGet();
                    legacyTx.computeIfAbsent(r.txid(), k -> new ArrayList<>()).add(new Command(r.db(), r.args(), null)); // the EXEC claims the position
                }
                case EXEC -> {
                    Position pos = new FlowLsn(master, flow, next.incrementAndGet());
                    List<Command> tx = legacyTx.remove(r.txid());
                    if (tx == null) sink.advance(pos);
                    else sink.transaction(tx, pos);
                }
                case PING -> {
                    long lsn = next.incrementAndGet();
                    // WAIT and TAKEOVER on the master wait for this ACK: set before the position can be confirmed,
                    // so the confirmation pushed for it finds it (the session then acknowledges at once)
                    pingAck = lsn;
                    sink.advance(new FlowLsn(master, flow, lsn));
                    sink.flush();
                }
                case LSN -> {
                    if (r.lsn() != next.get() - 1) {
                        throw new LsnGap(String.format(Locale.ROOT, "flow %d: the master's LSN marker says %d, Ferry counted %d",
                                flow, r.lsn(), next.get() - 1));
                    }
                }
                case FIN -> { }
            }
            if (legacyTx.isEmpty()) handed.set(next.get());
            if (++recordsSinceAck > 1024) session.ackSoon();
        }
    }

    private static boolean isFlush(JournalRecord r) {
        String n = r.name().toUpperCase(Locale.ROOT);
        return n.equals("FLUSHALL") || n.equals("FLUSHDB");
    }

    private void apply(int db, byte[][] args, Position pos) {
        JournalTranslation.Result t = JournalTranslation.translate(db, args, pos, targetHasJson);
        if (t instanceof JournalTranslation.Apply a) {
            sink.command(new Command(db, a.args(), pos));
            if (a.warning() != null) sink.warn(db, args[1], a.warning());
        } else if (t instanceof JournalTranslation.Restore r) {
            sink.keyValue(r.value());
        } else if (t instanceof JournalTranslation.Refuse f) {
            sink.refuse(db, f.key(), f.reason(), pos);
        } else {
            sink.advance(pos);
        }
    }

    /** Sends {@code REPLCONF ACK n} on the flow socket; the master never answers it. */
    void ack(long lsn) throws IOException {
        OutputStream out = conn.output();
        synchronized (out) {
            out.write(("REPLCONF ACK " + lsn + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        recordsSinceAck = 0;
        acked = lsn;
    }

    void close() {
        conn.close();
    }

    private final class Listener implements DragonflyFlowReader.Listener {
        @Override
        public RdbVisitor lane(int lane) {
            return snapshot.lane(lane);
        }

        @Override
        public void flags(int db, byte[] key, int mask, long mcFlags) {
            if ((mask & 2) != 0 && mcFlags != 0) {
                // memcached clients read these back; losing them is a change in the data, so it is reported
                sink.warn(db, key, "memcached flags " + mcFlags + " not kept: Redis has no place for them");
            }
        }

        @Override
        public void journalBlob(JournalRecord r) {
            if (r.kind() != JournalRecord.Kind.COMMAND) return; // PINGs inside the full sync move nothing
            if (isFlush(r)) {
                throw new RestartFullSync("the master ran " + r.name() + " during the full sync of flow " + flow);
            }
            apply(r.db(), r.args(), FlowLsn.inFullSync(master, flow));
        }

        @Override
        public void fullSyncEnd() {
            session.fullSyncEnded(flow);
            if (snapshotOnly) throw new SnapshotComplete();
        }

        @Override
        public void journalOffset(long lsn) {
            journalOffset = lsn;
        }
    }

    /** Ends a snapshot-only read at the full-sync end: what follows is the live part. */
    static final class SnapshotComplete extends RuntimeException {
        SnapshotComplete() {
            super("snapshot complete", null, false, false);
        }
    }

    /**
     * The flow's bytes after the FLOW reply, read through the same buffer the reply came through. Before it would
     * wait for the network it sends what the sink holds: a quiet flow must not leave its last records unsent,
     * and a busy one should not flush on every socket read. Counts what it reads into the flow's bytes read
     * (snapshot and journal alike), once per read, not per record.
     */
    private static final class ReplyStream extends InputStream {
        private final RespConnection conn;
        private final ShardSink sink;
        private final ShardProgress progress;

        ReplyStream(RespConnection conn, ShardSink sink, ShardProgress progress) {
            this.conn = conn;
            this.sink = sink;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (conn.reader().idle()) sink.flush();
            int n = conn.reader().readSome(b, off, len);
            if (n > 0) progress.bytesRead.add(n);
            return n;
        }
    }
}
