package dev.ferry.testkit.dragonfly;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One flow's full-sync stream: header, entries (big ones as tagged chunks interleaved with everything else),
 * journal blobs for concurrent writes, FULLSYNC_END, and at STARTSTABLE the offset, EOF and token.
 *
 * <p>Everything that touches the flush buffer runs under the master lock, so a journal record can only land
 * between two scheduler steps. The key list is fixed at DFLY SYNC; values are read from the backing server
 * when their turn comes, which is what makes omitting writes to not-yet-serialized keys correct.
 */
final class SnapshotWriter {
    static final byte[] MAGIC = "REDIS0009".getBytes(StandardCharsets.US_ASCII);
    static final int OP_SELECTDB = 0xFE;
    static final int OP_AUX = 0xFA;
    static final int OP_TAGGED_CHUNK = 0xE0;
    static final int OP_FULLSYNC_END = 0xC8;
    static final int OP_JOURNAL_OFFSET = 0xD3;
    static final int OP_EOF = 0xFF;

    private final DragonflyMaster master;
    private final FlowSession flow;
    private final DragonflyMaster.Config cfg;
    private final BlobCompressor compressor;
    private final java.util.ArrayDeque<KeyRef> keys;
    private final Set<KeyRef> pending;
    private final Set<KeyRef> inFlight = new HashSet<>();
    private final ArrayDeque<BigEntry> active = new ArrayDeque<>();
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 16);
    private int bufDb = -1;
    private boolean bufHasPartialEntry;
    private long streamIdCounter;
    private int entriesWritten;
    private boolean done;
    private boolean paused;
    private boolean cancelled;
    private Thread thread;

    /** A split entry whose remaining pieces are still to be written. */
    private static final class BigEntry {
        final KeyRef ref;
        final EntryEncoder.Entry entry;
        final long streamId;
        int written; // bytes of entry.bytes already emitted

        BigEntry(KeyRef ref, EntryEncoder.Entry entry, long streamId) {
            this.ref = ref;
            this.entry = entry;
            this.streamId = streamId;
        }
    }

    SnapshotWriter(DragonflyMaster master, FlowSession flow, List<KeyRef> keys) {
        this.master = master;
        this.flow = flow;
        this.cfg = master.config();
        this.compressor = new BlobCompressor(cfg.compression);
        this.pending = new LinkedHashSet<>(keys);
        this.keys = new java.util.ArrayDeque<>(keys);
    }

    /** Frames as flushed, kept for the snapshot cache (null when not caching). */
    private List<byte[]> recording;
    private long startVersion;

    /** Caller holds the lock: the header goes out first, before any journal blob can be queued. */
    void start(int flowCount, long usedMemory) {
        if (cfg.cacheSnapshots) {
            List<byte[]> cached = master.snapshotCacheVersion == master.dataVersion ? master.snapshotCache.get(flow.flowId) : null;
            if (cached != null) {
                for (byte[] frame : cached) flow.out.enqueue(frame);
                done = true;
                master.changed.signalAll();
                return;
            }
            recording = new ArrayList<>();
            startVersion = master.dataVersion;
        }
        buf.write(MAGIC, 0, MAGIC.length);
        aux("redis-ver", "6.2.11");
        aux("df-ver", cfg.dfVersion);
        aux("redis-bits", "64");
        aux("ctime", Long.toString(System.currentTimeMillis() / 1000));
        aux("used-mem", Long.toString(usedMemory));
        aux("aof-preamble", "0");
        if (flow.flowId == 0) {
            aux("shard-count", Integer.toString(flowCount));
            aux("table-mem", Long.toString(usedMemory / 2));
        }
        aux("shard-id", Integer.toString(flow.flowId));
        flush();
        thread = new Thread(this::run, "dfly-snapshot-" + flow.session.syncId() + "-" + flow.flowId);
        thread.setDaemon(true);
        thread.start();
    }

    private void aux(String k, String v) {
        buf.write(OP_AUX);
        RdbBytes.string(buf, k);
        RdbBytes.string(buf, v);
    }

    private void run() {
        try {
            while (true) {
                if (cfg.snapshotThrottleMs > 0) Thread.sleep(cfg.snapshotThrottleMs);
                master.lock.lock();
                try {
                    while (!cancelled && master.snapshotsPaused(entriesWritten) && active.isEmpty()) {
                        paused = true;
                        master.changed.signalAll();
                        master.changed.await();
                    }
                    paused = false;
                    if (cancelled) return;
                    if (step()) {
                        done = true;
                        master.changed.signalAll();
                        return;
                    }
                } finally {
                    master.lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One scheduler step; true once FULLSYNC_END is written. */
    private boolean step() {
        int batch = 0;
        // one round trip to the backing server for a batch of keys of one db (a key per round trip made the
        // emulator, not the replica under test, the bottleneck of a big snapshot)
        List<KeyRef> refs = new ArrayList<>();
        while (refs.size() < cfg.snapshotBatch && !keys.isEmpty()) {
            KeyRef ref = keys.pollFirst();
            if (!pending.contains(ref)) continue;
            if (!refs.isEmpty() && ref.db() != refs.get(0).db()) {
                keys.addFirst(ref);
                break;
            }
            refs.add(ref);
        }
        List<EntryEncoder.Entry> entries = master.fetchEntries(refs);
        for (int i = 0; i < refs.size(); i++) {
            KeyRef ref = refs.get(i);
            if (master.snapshotsPaused(entriesWritten)) {
                // fetched before the pause: writes made during it must be read again, so put the rest back
                for (int k = refs.size() - 1; k >= i; k--) keys.addFirst(refs.get(k));
                break;
            }
            batch++;
            EntryEncoder.Entry e = entries.get(i);
            pending.remove(ref);
            if (e != null) {
                writeEntry(ref, e);
                // a chunk of an open big entry after every other item forces readers to reassemble by stream id
                if (!active.isEmpty()) writeNextChunk();
            }
        }
        if (batch == 0) {
            if (!active.isEmpty()) {
                writeNextChunk();
            } else {
                buf.write(OP_FULLSYNC_END);
                buf.write(new byte[8], 0, 8);
                flush();
                if (recording != null && master.dataVersion == startVersion) {
                    if (master.snapshotCacheVersion != startVersion) master.snapshotCache.clear();
                    master.snapshotCache.put(flow.flowId, recording);
                    master.snapshotCacheVersion = startVersion;
                }
                recording = null;
                return true;
            }
        }
        flush();
        return false;
    }

    private void writeEntry(KeyRef ref, EntryEncoder.Entry e) {
        long id = nextStreamId();
        entriesWritten++;
        if (e.splittable() && e.bytes().length > cfg.chunkSize) {
            if (cfg.taggedChunks) {
                BigEntry big = new BigEntry(ref, e, id);
                int end = pieceEnd(big);
                if (end < e.bytes().length) {
                    selectDb(ref.db());
                    writeTagged(big, end);
                    inFlight.add(ref);
                    active.addLast(big);
                    maybeFlush();
                    return;
                }
            } else {
                writeLegacySplit(ref, e);
                return;
            }
        }
        selectDb(ref.db());
        buf.write(e.bytes(), 0, e.bytes().length);
        maybeFlush();
    }

    /** Legacy (untagged) streaming: the pieces are contiguous; a flush holding part of an entry is never compressed. */
    private void writeLegacySplit(KeyRef ref, EntryEncoder.Entry e) {
        selectDb(ref.db());
        byte[] b = e.bytes();
        int from = 0;
        bufHasPartialEntry = true;
        for (int cut : e.cuts()) {
            buf.write(b, from, cut - from);
            from = cut;
            if (buf.size() > cfg.chunkSize) {
                flush();
                bufHasPartialEntry = true;
            }
        }
        buf.write(b, from, b.length - from);
        maybeFlush();
    }

    private int pieceEnd(BigEntry big) {
        return pieceEnd(big.entry.cuts(), big.written, big.entry.bytes().length, cfg.chunkSize);
    }

    /**
     * The end of the piece starting at {@code from}: the first element boundary past chunkSize bytes (the
     * real serializer flushes once its buffer exceeds the limit after an element), or the end of the entry.
     */
    static int pieceEnd(int[] cuts, int from, int length, int chunkSize) {
        for (int cut : cuts) {
            if (cut > from && cut - from > chunkSize) return cut;
        }
        return length;
    }

    private void writeNextChunk() {
        BigEntry big = active.pollFirst();
        int end = pieceEnd(big);
        writeTagged(big, end);
        if (end == big.entry.bytes().length) {
            inFlight.remove(big.ref);
            master.changed.signalAll();
        } else {
            active.addLast(big);
        }
        maybeFlush();
    }

    private void writeTagged(BigEntry big, int end) {
        int len = end - big.written;
        buf.write(OP_TAGGED_CHUNK);
        RdbBytes.le(buf, big.streamId, 4);
        RdbBytes.le(buf, len, 4);
        buf.write(big.entry.bytes(), big.written, len);
        big.written = end;
    }

    private long nextStreamId() {
        streamIdCounter = streamIdCounter == 0xFFFFFFFFL ? 1 : streamIdCounter + 1;
        return streamIdCounter;
    }

    private void selectDb(int db) {
        if (bufDb == db) return;
        buf.write(OP_SELECTDB);
        RdbBytes.packed(buf, db);
        bufDb = db;
    }

    private void maybeFlush() {
        if (buf.size() > cfg.chunkSize) flush();
    }

    /** SELECTDB is re-sent after every flush, like the real serializer. */
    private void flush() {
        if (buf.size() == 0) return;
        byte[] frame = compressor.frame(buf.toByteArray(), !bufHasPartialEntry);
        if (recording != null) recording.add(frame);
        flow.out.enqueue(frame);
        buf.reset();
        bufDb = -1;
        bufHasPartialEntry = false;
    }

    /** Caller holds the lock. A write to keys whose entries are still to come is redundant and omitted. */
    void onJournal(byte[] record, Set<KeyRef> keysTouched) {
        if (!keysTouched.isEmpty() && pending.containsAll(keysTouched)) return;
        JournalWriter.blob(buf, record);
        if (done || paused) flush();
    }

    boolean touchesInFlight(Set<KeyRef> keysTouched) {
        for (KeyRef k : keysTouched) if (inFlight.contains(k)) return true;
        return false;
    }

    boolean done() {
        return done;
    }

    boolean paused() {
        return paused;
    }

    /** Caller holds the lock; STARTSTABLE: offset = the LSN the first stable record will carry. */
    void finishForStable(long nextLsn, String token) {
        buf.write(OP_JOURNAL_OFFSET);
        RdbBytes.le(buf, nextLsn, 8);
        flush();
        byte[] tail = new byte[9 + 40];
        tail[0] = (byte) OP_EOF;
        System.arraycopy(token.getBytes(StandardCharsets.US_ASCII), 0, tail, 9, 40);
        flow.out.enqueue(tail);
    }

    void cancel() {
        cancelled = true;
        master.changed.signalAll();
    }
}
