package dev.ferry.rdb;

import com.github.luben.zstd.Zstd;
import dev.ferry.command.ValueType;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads one flow of a Dragonfly master: the RDB-like full-sync stream of its shard (entries, compressed blobs
 * parsed as a continuation of the stream, tagged chunks of big entries interleaved with everything else,
 * journal blobs, the full-sync end, the journal offset, EOF and the 40-byte token), then its journal records.
 *
 * <p>A tagged entry is parsed by a {@link TaggedEntry} with the same value reader as every other entry, fed one
 * chunk at a time, so a split value is never reassembled whole; its records go to their own lane because other
 * keys' records arrive between its pieces.
 */
public final class DragonflyFlowReader {
    /** Where what the flow holds goes, on the thread that calls the reader. */
    public interface Listener {
        /** The visitor for snapshot records of lane {@code lane}: 0 is the flow's own order, others a tagged entry's. */
        RdbVisitor lane(int lane);

        /** A tagged entry finished (or was dropped); its lane can be reused. */
        default void laneDone(int lane) {}

        /** A key carried Dragonfly's DF_MASK flags: bit 0 sticky, bit 1 memcached flags {@code mcFlags}. */
        default void flags(int db, byte[] key, int mask, long mcFlags) {}

        /** A journal record inside the full sync (not LSN-counted). */
        void journalBlob(JournalRecord record);

        void fullSyncEnd();

        void journalOffset(long lsn);
    }

    /** Decompressed blobs larger than this are corrupt: the master only compresses flushes of up to 1 MiB. */
    private static final int MAX_BLOB = 64 << 20;
    private static final int TOKEN = 40;

    private final RdbInput socket;
    private final Listener listener;
    private final RdbReader.Options options;
    private final String name;
    private int db;
    private int journalDb;
    private long expireAt = -1;
    private int mask;
    private long mcFlags;
    private int version = 9;
    private final Map<Long, TaggedEntry> tagged = new HashMap<>();
    private final BitSet lanes = new BitSet();
    private long blobs;
    private long chunks;

    public DragonflyFlowReader(InputStream in, Listener listener, RdbReader.Options options, String name) {
        this.socket = new RdbInput(in, options.bufferSize());
        this.listener = listener;
        this.options = options;
        this.name = name;
    }

    private volatile long progress;

    /** Bytes taken from the flow's connection so far (on the reading thread). */
    public long position() {
        return socket.position();
    }

    /** Roughly {@link #position()}, safe to read from another thread (updated item by item). */
    public long progress() {
        return progress;
    }

    public long blobs() { return blobs; }

    public long taggedChunks() { return chunks; }

    /** Reads the whole full-sync part, up to and including the EOF token. */
    public void readFullSync() {
        byte[] magic = new byte[9];
        socket.readFully(magic, 0, 9);
        String s = new String(magic, StandardCharsets.ISO_8859_1);
        if (!s.startsWith("REDIS") || !s.substring(5).chars().allMatch(Character::isDigit)) {
            throw new RdbFormatException("flow does not start with an RDB header: \"" + RdbFormatException.printable(magic, 9) + "\"");
        }
        version = Integer.parseInt(s.substring(5));
        listener.lane(0).begin(version);
        items(socket, true);
    }

    /** The next journal record of the stable phase; blocks until one arrives. */
    public JournalRecord nextRecord() {
        return journalRecord(socket);
    }

    /**
     * Reads items until the EOF token ({@code top}) or the end of a decompressed blob. Returns normally only
     * there; a broken stream throws.
     */
    private void items(RdbInput in, boolean top) {
        EntryReader entries = null;
        while (true) {
            if (!top && in.atEnd()) {
                if (expireAt != -1 || mask != 0) throw new RdbFormatException("compressed blob ends between a key's prefix and its key");
                return;
            }
            long start = in.position();
            if (top) progress = start;
            int op = in.readU8();
            switch (op) {
                case 0xFC: expireAt = in.readLongLE(); continue;
                case 0xFD: expireAt = (in.readIntLE() & 0xffffffffL) * 1000L; continue;
                case 0xDC: {
                    mask = in.readIntLE();
                    mcFlags = (mask & 2) != 0 ? in.readIntLE() & 0xffffffffL : 0;
                    continue;
                }
                case 0xF8: in.readLen(); continue;
                case 0xF9: in.readU8(); continue;
                case 0xFE: db = dbNumber(in.readLen()); listener.lane(0).selectDb(db); continue;
                case 0xFB: in.readLen(); in.readLen(); continue;
                case 0xF4: in.readLen(); in.readLen(); in.readLen(); continue;
                case 0xFA: {
                    byte[] k = in.readString();
                    listener.lane(0).aux(k, in.readString());
                    continue;
                }
                case 0xC8: in.skip(8); listener.fullSyncEnd(); continue;
                case 0xD3: listener.journalOffset(in.readLongLE()); continue;
                case 0xD2: {
                    long n = in.readLen();
                    byte[] bytes = in.readString();
                    RdbInput rec = new RdbInput(bytes, 0, bytes.length);
                    for (long i = 0; i < n; i++) listener.journalBlob(journalRecord(rec));
                    if (!rec.atEnd()) throw new RdbFormatException("journal blob holds more than its " + n + " record(s)");
                    continue;
                }
                case 0xCA: case 0xC9: {
                    byte[] frame = in.readString();
                    byte[] plain = op == 0xCA ? lz4(frame) : zstd(frame);
                    blobs++;
                    items(new RdbInput(plain, 0, plain.length), false);
                    continue;
                }
                case 0xE0: {
                    long id = in.readIntLE() & 0xffffffffL;
                    long len = in.readIntLE() & 0xffffffffL;
                    if (id == 0 || len == 0) throw new RdbFormatException("tagged chunk with stream id " + id + " and length " + len);
                    in.checkLength(len, "tagged chunk");
                    chunk(id, in.readBytes(len));
                    continue;
                }
                case 0xFF: {
                    if (!top) throw new RdbFormatException("EOF inside a compressed blob");
                    in.skip(8); // Dragonfly writes no checksum here
                    byte[] token = new byte[TOKEN];
                    in.readFully(token, 0, TOKEN);
                    dropUnfinishedChunks();
                    return;
                }
                case 0xDE: case 0xDF:
                    throw new RdbFormatException("search index opcode " + op + " (Ferry asks the master not to send these)");
                default: {
                    if (isValueType(op)) {
                        if (entries == null) entries = new EntryReader(in, listener.lane(0), options);
                        entry(in, entries, op, start, listener.lane(0), db);
                        continue;
                    }
                    throw new RdbFormatException("unknown opcode " + op + " in the flow");
                }
            }
        }
    }

    private static boolean isValueType(int op) {
        return ValueType.ofRdbType(op) != null;
    }

    private void entry(RdbInput in, EntryReader entries, int type, long start, RdbVisitor visitor, int entryDb) {
        byte[] key = in.readString();
        long expire = expireAt;
        int m = mask;
        long mc = mcFlags;
        expireAt = -1;
        mask = 0;
        mcFlags = 0;
        if (m != 0) listener.flags(entryDb, key, m, mc);
        entries.value(entryDb, key, type, expire, version, start);
    }

    private void chunk(long id, byte[] payload) {
        chunks++;
        TaggedEntry t = tagged.get(id);
        if (t == null) {
            int lane = lanes.nextClearBit(1);
            lanes.set(lane);
            t = new TaggedEntry(name + "-chunk-" + id, lane, db, version, options, listener);
            tagged.put(id, t);
        }
        boolean done;
        try {
            done = t.feed(payload);
        } catch (RuntimeException e) {
            forget(id, t);
            throw e;
        }
        if (done) forget(id, t);
    }

    private void forget(long id, TaggedEntry t) {
        tagged.remove(id);
        t.close();
        lanes.clear(t.lane());
        listener.laneDone(t.lane());
    }

    /** Dragonfly's own loader discards an entry still incomplete at EOF; so do we, and say so. */
    private void dropUnfinishedChunks() {
        for (Map.Entry<Long, TaggedEntry> e : Map.copyOf(tagged).entrySet()) {
            TaggedEntry t = e.getValue();
            forget(e.getKey(), t);
            if (t.key() != null) {
                listener.lane(0).skipped(t.db(), t.key(), "its tagged chunks were still incomplete at the end of the full sync");
            }
        }
    }

    /** Stops the threads of entries still waiting for chunks (a broken link). */
    public void close() {
        for (TaggedEntry t : tagged.values()) t.close();
        tagged.clear();
    }

    JournalRecord journalRecord(RdbInput in) {
        while (true) {
            int op = (int) in.readLen();
            switch (op) {
                case 6: journalDb = dbNumber(in.readLen()); continue;
                case 0: continue; // NOOP of old masters
                case 9: case 10: case 11: {
                    long txid = in.readLen();
                    in.readLen(); // shard count: 1 since v1.38, not needed before
                    long n = in.readLen();
                    long total = in.readLen();
                    if (n < 1 || n > (1 << 24)) throw new RdbFormatException("journal command with " + n + " elements");
                    byte[][] args = new byte[(int) n][];
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        args[i] = in.readBytes(in.readLen());
                        sum += args[i].length;
                    }
                    if (sum != total) throw new RdbFormatException("journal command of " + sum + " bytes says " + total);
                    return new JournalRecord(op == 11 ? JournalRecord.Kind.MULTI_COMMAND : JournalRecord.Kind.COMMAND,
                            journalDb, txid, args, 0);
                }
                case 12: {
                    long txid = in.readLen();
                    in.readLen();
                    return new JournalRecord(JournalRecord.Kind.EXEC, journalDb, txid, null, 0);
                }
                case 13: return new JournalRecord(JournalRecord.Kind.PING, journalDb, 0, null, 0);
                case 14: return new JournalRecord(JournalRecord.Kind.FIN, journalDb, 0, null, 0);
                case 15: return new JournalRecord(JournalRecord.Kind.LSN, journalDb, 0, null, in.readLen());
                default: throw new RdbFormatException("unknown journal opcode " + op);
            }
        }
    }

    private static int dbNumber(long d) {
        if (d < 0 || d > 1 << 20) throw new RdbFormatException("implausible db number " + Long.toUnsignedString(d));
        return (int) d;
    }

    private static byte[] lz4(byte[] frame) {
        return Lz4Frame.decode(frame, MAX_BLOB);
    }

    private static byte[] zstd(byte[] frame) {
        long size = Zstd.getFrameContentSize(frame);
        if (size < 0 || size > MAX_BLOB) throw new RdbFormatException("zstd blob with content size " + size);
        byte[] out = Zstd.decompress(frame, (int) size);
        if (out.length != size) throw new RdbFormatException("zstd blob decompressed to " + out.length + " bytes, not " + size);
        return out;
    }

}
