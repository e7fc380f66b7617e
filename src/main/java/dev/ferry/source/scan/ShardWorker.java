package dev.ferry.source.scan;

import dev.ferry.record.DbKey;
import dev.ferry.command.ValueType;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.Command;
import dev.ferry.record.Confirmation;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.ScanPosition;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespPipeline;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSink;
import dev.ferry.source.ShardSummary;
import dev.ferry.source.SnapshotSink;
import dev.ferry.source.SourceOutage;
import dev.ferry.util.KeyNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one source master: SCAN through its dbs reading keys in batches, then (live) re-reads every key its
 * keyspace events name. One thread at a time reads and writes a shard, so a key's writes reach the target in
 * the order its reads were made, and a later read always wins.
 */
final class ShardWorker implements KeyspaceSubscriber.Listener {
    private static final Logger log = LoggerFactory.getLogger(ShardWorker.class);
    private static final byte[] DEL = RespPipeline.ascii("DEL");

    /** What every shard shares. */
    record Shared(ConnectOptions connect, ScanCounters counters, ScanSettings settings, boolean cluster,
                  NotifyConfig.Changes notifyChanges) {
    }

    private final int shard;
    private final HostPort address;
    private final Shared shared;
    private final ShardProgress progress;
    private final ChangedKeys changed;
    private final AtomicLong sequence = new AtomicLong();
    /** While scanning (not live): the db and cursor a scan continues from once the current page is written. */
    private volatile int pageDb = -1;
    private volatile String pageCursor;
    private final ShardSink sink;
    /** The scan's keys (cut short by a stop), then the values re-read while live (never cut short). */
    private SnapshotSink snapshot;
    private SnapshotSink rereads;
    private SourceSession session;
    private DumpReader dumps;
    private TypeReader types;
    private KeyspaceSubscriber subscriber;
    private volatile boolean rescanWanted;
    private volatile boolean stopping;
    private volatile boolean rescanning;
    private long lastDropWarning;
    private boolean warnedTypeReads;

    ShardWorker(int shard, HostPort address, Shared shared, ShardSink sink) {
        this.shard = shard;
        this.address = address;
        this.shared = shared;
        this.progress = new ShardProgress(address.toString());
        this.changed = new ChangedKeys(shared.settings().queueLimit());
        this.sink = sink;
        this.snapshot = sink.snapshot(null); // records claim the scan's own positions (next())
        this.rereads = sink.rereads();
    }

    ShardProgress progress() {
        return progress;
    }

    HostPort address() {
        return address;
    }

    /** Opens the reading connection and, for live mode, checks the notification setting and subscribes. */
    void connect() {
        session = new SourceSession(address, shared.connect());
        dumps = new DumpReader(session, shared.settings().forceTypeReads());
        types = new TypeReader(session, shared.settings().batchSize());
        if (!shared.settings().live()) return;
        String warning = NotifyConfig.ensure(session.connection(), address, shared.settings().setNotifyConfig(),
                shared.notifyChanges());
        if (warning != null) {
            log.warn(warning);
            sink.sourceWarning(address.toString(), warning);
            progress.note("notify-keyspace-events unverified");
        }
        subscriber = new KeyspaceSubscriber(address, shared.connect(), this, shared.settings().outageLimitMillis());
    }

    void snapshot() throws InterruptedException {
        progress.phase(ShardProgress.Phase.SNAPSHOT);
        scanAll(false);
    }

    /** Re-reads changed keys until {@link #stop} and the queue is empty; re-scans when events were lost. */
    void followLive() throws InterruptedException {
        pageCursor = null;
        sink.startLive();
        snapshot = rereads;
        progress.phase(ShardProgress.Phase.LIVE);
        while (true) {
            if (unreachable != null) throw new RedisConnectionException(unreachable);
            if (rescanWanted && changed.size() == 0 && !stopping) rescan();
            List<DbKey> batch = changed.take(shared.settings().batchSize(), 100);
            try {
                if (batch.isEmpty()) {
                    if (stopping) break;
                    continue;
                }
                reread(batch);
                // the writer buffers until a pipeline fills; live changes that trickle in must not wait for that
                if (changed.size() == 0) sink.flush();
            } finally {
                changed.applied();
            }
            progress.lag(changed.size(), 0);
            progress.appliedPosition(confirmedSequence());
        }
        if (rescanWanted) {
            String why = "stopped before the repair re-scan of " + address + " ran: keys changed while events were lost may be stale on the target";
            log.warn(why);
            sink.sourceWarning(address.toString(), why);
        }
    }

    private void rescan() throws InterruptedException {
        rescanning = true;
        try {
            rescanWanted = false;
            shared.counters().rescans.increment();
            log.warn("source {}: re-scanning every key, as keyspace events were lost", address);
            progress.note("re-scanning after lost events");
            scanAll(true);
            progress.note("re-scan done");
        } finally {
            rescanning = false;
        }
    }

    /** True when nothing is queued, being re-read, re-scanned or waiting for a re-scan. */
    boolean caughtUp() {
        KeyspaceSubscriber s = subscriber;
        return changed.idle() && !rescanning && !rescanWanted && (s == null || s.listening());
    }

    /** Waits until every event published so far is queued, then stops listening; the queue is still drained. */
    void stopListening() throws InterruptedException {
        KeyspaceSubscriber s = subscriber;
        if (s == null) return;
        try (var control = dev.ferry.resp.RespConnection.open(address, shared.connect())) {
            if (!s.barrier(control, 10_000)) log.warn("source {}: last keyspace events not confirmed before stopping", address);
        } catch (RedisConnectionException e) {
            log.warn("source {}: cannot confirm the last keyspace events before stopping: {}", address, e.getMessage());
        }
        s.close();
        subscriber = null;
    }

    void stop() {
        stopping = true;
        changed.wake();
    }

    void close() {
        KeyspaceSubscriber s = subscriber;
        if (s != null) s.close();
        if (session != null) session.close();
    }

    // ------------------------------------------------------------------ events

    @Override
    public void changed(int db, byte[] key) {
        ScanCounters c = shared.counters();
        c.eventsReceived.increment();
        if (shared.cluster() && db != 0) return;
        if (!sink.wants(db, key)) return;
        switch (changed.offer(new DbKey(db, key))) {
            case COALESCED: c.eventsCoalesced.increment(); break;
            case DROPPED: dropped(db, key); break;
            default: break;
        }
    }

    private void dropped(int db, byte[] key) {
        shared.counters().eventsDropped.increment();
        rescanWanted = true;
        sink.warn(db, key, "keyspace event dropped: more than " + shared.settings().queueLimit()
                + " changed keys queued; a repair re-scan follows, but a deletion may be missed");
        long now = System.currentTimeMillis();
        if (now - lastDropWarning > 5_000) {
            lastDropWarning = now;
            log.warn("source {}: change queue full ({} keys), dropping keyspace events ({} so far); the target may be"
                    + " stale until the repair re-scan, and deleted keys may remain", address,
                    shared.settings().queueLimit(), shared.counters().eventsDropped.sum());
        }
    }

    @Override
    public void unreachable(String why) {
        unreachable = why;
        changed.wake();
    }

    /** Why the keyspace subscription gave up on the source; the live loop stops the run with it. */
    private volatile String unreachable;

    @Override
    public void eventsLost(String why) {
        shared.counters().subscriptionLosses.increment();
        sink.sourceWarning(address.toString(), why + "; re-scanned");
        progress.note("subscription lost; re-scan queued");
        rescanWanted = true;
        changed.wake();
    }

    // ------------------------------------------------------------------ reading

    private void scanAll(boolean live) throws InterruptedException {
        List<Integer> dbs = retrying(session::dbsWithKeys);
        for (int db : dbs) {
            if (shared.cluster() && db != 0) continue;
            String cursor = "0";
            do {
                if (stopping) return;
                String from = cursor;
                List<Reply> r = retrying(() -> session.pipeline(db).add("SCAN", from, "COUNT",
                        Integer.toString(shared.settings().batchSize())).sync().get(0).asList());
                cursor = r.get(0).asText();
                if (!live) {
                    pageDb = db;
                    pageCursor = cursor;
                }
                List<byte[]> keys = new ArrayList<>();
                for (Reply k : r.get(1).asList()) {
                    byte[] key = ((Reply.Bulk) k).bytes();
                    if (snapshot.wants(db, key, null)) keys.add(key);
                }
                if (!keys.isEmpty()) copy(db, keys, live);
                if (live) drainSome();
            } while (!cursor.equals("0"));
        }
    }

    /** During a re-scan, changed keys keep being applied, so a long re-scan does not overflow the queue. */
    private void drainSome() throws InterruptedException {
        List<DbKey> batch = changed.take(shared.settings().batchSize(), 0);
        try {
            if (!batch.isEmpty()) reread(batch);
        } finally {
            changed.applied();
        }
    }

    private void reread(List<DbKey> batch) throws InterruptedException {
        Map<Integer, List<byte[]>> byDb = new LinkedHashMap<>();
        for (DbKey k : batch) byDb.computeIfAbsent(k.db(), d -> new ArrayList<>()).add(k.key());
        for (Map.Entry<Integer, List<byte[]>> e : byDb.entrySet()) {
            shared.counters().keysReread.add(e.getValue().size());
            copy(e.getKey(), e.getValue(), true);
        }
    }

    /** Reads keys of {@code db} and writes them; with {@code live}, a key found gone is deleted on the target. */
    private void copy(int db, List<byte[]> keys, boolean live) throws InterruptedException {
        List<DumpReader.Read> reads = retrying(() -> dumps.read(db, keys));
        long now = System.currentTimeMillis();
        for (DumpReader.Read read : reads) {
            progress.keysRead.increment();
            switch (read.kind()) {
                case GONE:
                    if (live) delete(db, read.key());
                    break;
                case BY_TYPE:
                    typeRead(db, read, live);
                    break;
                default:
                    if (read.expireAtMs() > 0 && read.expireAtMs() <= now) {
                        if (live) delete(db, read.key());
                    } else if (snapshot.wants(db, read.key(), ValueType.ofRdbType(read.rdbType()))) {
                        snapshot.keyValue(new KeyValue(db, read.key(), read.rdbType(), read.expireAtMs(), read.payload(),
                                read.rdbVersion(), next()));
                    }
            }
        }
    }

    private void typeRead(int db, DumpReader.Read read, boolean live) {
        if (!warnedTypeReads) {
            warnedTypeReads = true;
            log.warn("source {}: reading values with type commands ({}); streams and module values cannot be copied so",
                    address, read.why());
        }
        shared.counters().typeReads.increment();
        byte[] key = read.key();
        TypeReader.Value v = retrying(() -> types.read(db, key));
        if (v.gone()) {
            if (live) delete(db, key);
            return;
        }
        if (v.unsupported() != null) {
            snapshot.skipped(db, key, v.unsupported());
            return;
        }
        if (!snapshot.wants(db, key, v.type())) return;
        snapshot.bigValueStart(new BigValueStart(db, key, rdbTypeOf(v.type()), v.expireAtMs(), next()));
        for (ElementBatch b : v.batches()) snapshot.elements(b);
        snapshot.bigValueEnd(new BigValueEnd(next()));
    }

    private void delete(int db, byte[] key) {
        shared.counters().keysDeleted.increment();
        progress.commandsRead.increment();
        sink.command(new Command(db, new byte[][] {DEL, key}, next()));
        log.trace("deleted {} (db {})", KeyNames.quote(key), db);
    }

    /** The position the next record claims: where the scan stands, or once live the count of changes. */
    private Position next() {
        long seq = sequence.incrementAndGet();
        String cursor = pageCursor;
        return cursor == null ? ScanPosition.live(seq) : new ScanPosition(pageDb, cursor, seq);
    }

    ShardSummary summary() {
        return ShardSummary.of(progress, sink.confirmation(), 0, 0, 1, 0);
    }

    /** How many of this shard's records the target answered, from the position it pushed; -1 for none. */
    long confirmedSequence() {
        Confirmation c = sink.confirmation();
        return c == null || c.committed() == null ? -1 : ((ScanPosition) c.committed()).sequence();
    }

    private static int rdbTypeOf(ValueType t) {
        switch (t) {
            case STRING: return 0;
            case LIST: return 1;
            case SET: return 2;
            case ZSET: return 5;
            case HASH: return 4;
            default: throw new IllegalArgumentException(t + " has no type-read form");
        }
    }

    /** Runs a read again on a fresh connection while the source comes back, for up to --source-reconnect-timeout. */
    private <T> T retrying(Supplier<T> read) {
        SourceOutage outage = new SourceOutage("source " + address, shared.settings().outageLimitMillis());
        while (true) {
            try {
                return read.get();
            } catch (RedisConnectionException e) {
                if (stopping) throw e;
                String giveUp = outage.failed(e.getMessage());
                if (giveUp != null) throw new RedisConnectionException(giveUp);
                progress.note("source connection lost: " + e.getMessage() + "; retrying " + outage.remaining());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
