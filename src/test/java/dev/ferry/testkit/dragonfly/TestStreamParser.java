package dev.ferry.testkit.dragonfly;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jpountz.lz4.LZ4FrameInputStream;

/**
 * Test-only decoder of one flow's byte stream (not the product's reader): turns the bytes after the FLOW
 * reply into events, reassembling tagged chunks by stream id and inflating LZ4/zstd blobs. It stops quietly
 * at an incomplete tail, so tests can parse whatever has arrived so far.
 */
final class TestStreamParser {
    sealed interface Event permits Entry, JournalBlob, FullSyncEnd, JournalOffset, Eof, Record, Ping, Lsn, Chunk {
    }

    /** raw = the entry from its first prefix opcode to its end, for untagged entries (null for reassembled ones). */
    record Entry(int db, String key, int type, long expireAtMs, int dfMask, int mcFlags, byte[] value, boolean tagged, byte[] raw) implements Event {
    }

    record Chunk(long streamId, int length) implements Event {
    }

    record JournalBlob(byte[] record) implements Event {
    }

    record FullSyncEnd() implements Event {
    }

    record JournalOffset(long lsn) implements Event {
    }

    record Eof(String token) implements Event {
    }

    /** A stable-sync COMMAND (lsn assigned by counting from the offset); or, inside a blob, lsn -1. */
    record Record(long lsn, int db, long txid, List<String> args) implements Event {
    }

    record Ping(long lsn) implements Event {
    }

    record Lsn(long value) implements Event {
    }

    final List<Event> events = new ArrayList<>();
    final Map<String, String> aux = new java.util.LinkedHashMap<>();
    int blobsLz4;
    int blobsZstd;
    private int db;
    private long expire;
    private int mask;
    private int mcFlags;
    private long nextLsn;
    private int journalDb;
    private final Map<Long, Open> open = new HashMap<>();

    private static final class Open {
        int db;
        String key;
        int type;
        long expire;
        int mask;
        int mcFlags;
        long remaining;
        boolean streamMeta; // a stream whose listpacks are all read: the metadata follows in the same chunk
        java.io.ByteArrayOutputStream value = new java.io.ByteArrayOutputStream();
    }

    /** Parses a FULL flow (RDB, then journal) or, with {@code partialFromLsn} > 0, a PARTIAL flow (journal only). */
    static TestStreamParser parse(byte[] data, long partialFromLsn) {
        TestStreamParser p = new TestStreamParser();
        RdbBytes.Cursor c = new RdbBytes.Cursor(data, 0);
        try {
            if (partialFromLsn > 0) {
                p.nextLsn = partialFromLsn;
                p.journal(c, data.length);
                return p;
            }
            if (!new String(data, 0, 9, StandardCharsets.US_ASCII).equals("REDIS0009")) throw new IllegalStateException("no REDIS0009");
            c.pos = 9;
            if (p.rdb(c, data.length, true)) p.journal(c, data.length);
        } catch (ArrayIndexOutOfBoundsException | IllegalStateException incomplete) {
            if (incomplete instanceof IllegalStateException && !String.valueOf(incomplete.getMessage()).startsWith("incomplete")) throw incomplete;
        }
        return p;
    }

    /** True when EOF + token were read and the journal follows. */
    private boolean rdb(RdbBytes.Cursor c, int end, boolean top) {
        int prefixStart = -1;
        while (c.pos < end) {
            int opAt = c.pos;
            int op = c.u8();
            if ((op == 0xFC || op == 0xDC) && prefixStart < 0) prefixStart = opAt;
            switch (op) {
                case 0xFA -> aux.put(str(c), str(c));
                case 0xFE -> db = (int) c.packed();
                case 0xFC -> {
                    expire = RdbBytes.readLe(c.b, c.pos, 8);
                    c.pos += 8;
                }
                case 0xDC -> {
                    mask = (int) RdbBytes.readLe(c.b, c.pos, 4);
                    c.pos += 4;
                    if ((mask & 2) != 0) {
                        mcFlags = (int) RdbBytes.readLe(c.b, c.pos, 4);
                        c.pos += 4;
                    }
                }
                case 0xC8 -> {
                    c.pos += 8;
                    events.add(new FullSyncEnd());
                }
                case 0xCA, 0xC9 -> {
                    byte[] frame = bytes(c);
                    byte[] inflated = op == 0xCA ? lz4(frame) : Zstd.decompress(frame, (int) Zstd.getFrameContentSize(frame));
                    if (op == 0xCA) blobsLz4++;
                    else blobsZstd++;
                    rdb(new RdbBytes.Cursor(inflated, 0), inflated.length, false);
                }
                case 0xD2 -> {
                    c.packed();
                    byte[] rec = bytes(c);
                    events.add(new JournalBlob(rec));
                }
                case 0xD3 -> {
                    long off = RdbBytes.readLe(c.b, c.pos, 8);
                    c.pos += 8;
                    events.add(new JournalOffset(off));
                    nextLsn = off;
                }
                case 0xE0 -> {
                    long id = RdbBytes.readLe(c.b, c.pos, 4);
                    int len = (int) RdbBytes.readLe(c.b, c.pos + 4, 4);
                    c.pos += 8;
                    if (c.pos + len > end) throw new IllegalStateException("incomplete chunk");
                    events.add(new Chunk(id, len));
                    chunk(id, new RdbBytes.Cursor(Arrays.copyOfRange(c.b, c.pos, c.pos + len), 0), len);
                    c.pos += len;
                }
                case 0xFF -> {
                    if (!top) throw new IllegalStateException("EOF inside a blob");
                    c.pos += 8;
                    if (c.pos + 40 > end) throw new IllegalStateException("incomplete token");
                    events.add(new Eof(new String(c.b, c.pos, 40, StandardCharsets.US_ASCII)));
                    c.pos += 40;
                    return true;
                }
                default -> {
                    String key = str(c);
                    int from = c.pos;
                    skipValue(op, c);
                    int start = prefixStart >= 0 ? prefixStart : opAt;
                    events.add(new Entry(db, key, op, expire, mask, mcFlags, Arrays.copyOfRange(c.b, from, c.pos), false,
                            Arrays.copyOfRange(c.b, start, c.pos)));
                    prefixStart = -1;
                    expire = 0;
                    mask = 0;
                    mcFlags = 0;
                }
            }
        }
        return false;
    }

    private void chunk(long id, RdbBytes.Cursor c, int end) {
        Open o = open.get(id);
        if (o == null) {
            o = new Open();
            while (true) {
                int op = c.u8();
                if (op == 0xFC) {
                    o.expire = RdbBytes.readLe(c.b, c.pos, 8);
                    c.pos += 8;
                } else if (op == 0xDC) {
                    o.mask = (int) RdbBytes.readLe(c.b, c.pos, 4);
                    c.pos += 4;
                    if ((o.mask & 2) != 0) {
                        o.mcFlags = (int) RdbBytes.readLe(c.b, c.pos, 4);
                        c.pos += 4;
                    }
                } else {
                    o.type = op;
                    break;
                }
            }
            o.db = db;
            o.key = str(c);
            int from = c.pos;
            o.remaining = c.packed();
            o.value.write(c.b, from, c.pos - from);
            open.put(id, o);
        }
        int from = c.pos;
        while (c.pos < end) {
            if (o.remaining == 0) throw new IllegalStateException("chunk beyond the entry's elements");
            skipElement(o.type, c);
            o.remaining--;
            if (o.type == EntryEncoder.TYPE_STREAM_LISTPACKS_3 && o.remaining == 0) skipStreamMeta(c);
        }
        if (c.pos != end) throw new IllegalStateException("element straddles a chunk boundary");
        o.value.write(c.b, from, c.pos - from);
        if (o.remaining == 0) {
            open.remove(id);
            events.add(new Entry(o.db, o.key, o.type, o.expire, o.mask, o.mcFlags, o.value.toByteArray(), true, null));
        }
    }

    private void journal(RdbBytes.Cursor c, int end) {
        while (c.pos < end) {
            int start = c.pos;
            int op = (int) c.packed();
            switch (op) {
                case JournalWriter.OP_SELECT -> journalDb = (int) c.packed();
                case JournalWriter.OP_COMMAND -> {
                    long txid = c.packed();
                    c.packed();
                    int n = (int) c.packed();
                    c.packed();
                    List<String> args = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int len = (int) c.packed();
                        if (c.pos + len > end) throw new IllegalStateException("incomplete record");
                        args.add(new String(c.b, c.pos, len, StandardCharsets.ISO_8859_1));
                        c.pos += len;
                    }
                    events.add(new Record(nextLsn++, journalDb, txid, args));
                }
                case JournalWriter.OP_PING -> events.add(new Ping(nextLsn++));
                case JournalWriter.OP_LSN -> events.add(new Lsn(c.packed()));
                default -> throw new IllegalStateException("unknown journal op " + op + " at " + start);
            }
        }
    }

    /** A journal blob's record as (db, txid, args). */
    static Record decodeRecord(byte[] rec) {
        TestStreamParser p = new TestStreamParser();
        p.nextLsn = -1;
        p.journal(new RdbBytes.Cursor(rec, 0), rec.length);
        Record r = (Record) p.events.get(0);
        return new Record(-1, r.db(), r.txid(), r.args());
    }

    private static void skipValue(int type, RdbBytes.Cursor c) {
        switch (type) {
            case 0, 11, 16, 17, 30 -> c.skipString();
            case 2, 4, 5, 18, 31, 32 -> {
                long n = c.packed();
                for (long i = 0; i < n; i++) skipElement(type, c);
            }
            case 21 -> {
                long n = c.packed();
                for (long i = 0; i < n; i++) skipElement(type, c);
                skipStreamMeta(c);
            }
            case 33, 34 -> {
                c.packed();
                c.pos += 16;
                for (int i = 0; i < 3; i++) c.packed();
                long filters = c.packed();
                for (long f = 0; f < filters; f++) {
                    c.packed();
                    if (type == 33) c.skipString();
                    else skipChunked(c);
                }
            }
            case 35 -> {
                long w = c.packed();
                long d = c.packed();
                c.packed();
                c.pos += (int) (w * d * 8);
            }
            case 36 -> {
                for (int i = 0; i < 4; i++) c.packed();
                c.pos += 8;
                long heap = c.packed();
                for (long i = 0; i < heap; i++) {
                    c.skipString();
                    c.packed();
                }
                c.pos += (int) c.packed();
            }
            case 37 -> {
                for (int i = 0; i < 6; i++) c.packed();
                long filters = c.packed();
                for (long f = 0; f < filters; f++) skipChunked(c);
            }
            default -> throw new IllegalStateException("type " + type + " not supported by the test parser");
        }
    }

    /** packed(total) then packed(chunk_len) + raw chunks until total (SBF2, CUCKOO filters). */
    private static void skipChunked(RdbBytes.Cursor c) {
        long total = c.packed();
        while (total > 0) {
            long n = c.packed();
            c.pos += (int) n;
            total -= n;
        }
    }

    private static void skipElement(int type, RdbBytes.Cursor c) {
        switch (type) {
            case 2 -> c.skipString();
            case 4, 32, 21 -> {
                c.skipString();
                c.skipString();
            }
            case 31 -> {
                c.skipString();
                c.skipString();
                c.skipString();
            }
            case 5 -> {
                c.skipString();
                c.pos += 8;
            }
            case 18 -> {
                c.packed();
                c.skipString();
            }
            default -> throw new IllegalStateException("type " + type + " has no elements");
        }
    }

    private static void skipStreamMeta(RdbBytes.Cursor c) {
        for (int i = 0; i < 8; i++) c.packed();
        long groups = c.packed();
        for (long g = 0; g < groups; g++) {
            c.skipString();
            c.packed();
            c.packed();
            c.packed();
            long pel = c.packed();
            for (long p = 0; p < pel; p++) {
                c.pos += 24;
                c.packed();
            }
            long consumers = c.packed();
            for (long k = 0; k < consumers; k++) {
                c.skipString();
                c.pos += 16; // seen_time + active_time (type 21)
                long cp = c.packed();
                c.pos += (int) cp * 16;
            }
        }
    }

    static String str(RdbBytes.Cursor c) {
        int first = c.b[c.pos] & 0xFF;
        if (first == 0xC0) {
            c.pos++;
            return Long.toString(c.b[c.pos++]);
        }
        if (first == 0xC1) {
            c.pos++;
            long v = (short) RdbBytes.readLe(c.b, c.pos, 2);
            c.pos += 2;
            return Long.toString(v);
        }
        if (first == 0xC2) {
            c.pos++;
            long v = (int) RdbBytes.readLe(c.b, c.pos, 4);
            c.pos += 4;
            return Long.toString(v);
        }
        return new String(bytes(c), StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(RdbBytes.Cursor c) {
        int len = (int) c.packed();
        if (c.pos + len > c.b.length) throw new IllegalStateException("incomplete string");
        byte[] b = Arrays.copyOfRange(c.b, c.pos, c.pos + len);
        c.pos += len;
        return b;
    }

    static byte[] lz4(byte[] frame) {
        try (LZ4FrameInputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(frame))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T extends Event> List<T> all(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Event e : events) if (type.isInstance(e)) out.add(type.cast(e));
        return out;
    }
}
