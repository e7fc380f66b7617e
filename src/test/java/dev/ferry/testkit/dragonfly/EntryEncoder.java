package dev.ferry.testkit.dragonfly;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a key's value into a snapshot entry at opcode level ([FC expire] [DC mask [mc_flags]] type key
 * value) and records where the entry may be cut into chunks: only at element boundaries, as the real
 * serializer flushes only between elements.
 */
final class EntryEncoder {
    static final int TYPE_STRING = 0;
    static final int TYPE_SET = 2;
    static final int TYPE_HASH = 4;
    static final int TYPE_ZSET_2 = 5;
    static final int TYPE_LIST_QUICKLIST_2 = 18;
    static final int TYPE_STREAM_LISTPACKS_2 = 19;
    static final int TYPE_STREAM_LISTPACKS_3 = 21;
    static final int TYPE_HASH_WITH_EXPIRY = 31;
    static final int TYPE_SET_WITH_EXPIRY = 32;

    static final int OP_EXPIRETIME_MS = 0xFC;
    static final int OP_DF_MASK = 0xDC;
    static final int DF_MASK_MC_FLAGS = 2;

    /** bytes = the whole entry; cuts = offsets (ascending, exclusive of 0 and length) where it may be split. */
    record Entry(byte[] key, int type, byte[] bytes, int[] cuts) {
        boolean splittable() {
            return cuts.length > 0;
        }
    }

    private EntryEncoder() {
    }

    /** The (type, value) of a Redis DUMP payload: type byte, value, 2-byte RDB version, 8-byte CRC64. */
    static int dumpType(byte[] dump) {
        return dump[0] & 0xFF;
    }

    static byte[] dumpValue(byte[] dump) {
        if (dump.length < 11) throw new IllegalArgumentException("DUMP payload too short: " + dump.length);
        byte[] value = Arrays.copyOfRange(dump, 1, dump.length - 10);
        // Redis 7.0 streams are STREAM_LISTPACKS_2; Dragonfly always writes _3 (consumer active_time)
        return dumpType(dump) == TYPE_STREAM_LISTPACKS_2 ? streamV2toV3(value) : value;
    }

    static int dragonflyType(int redisType) {
        return redisType == TYPE_STREAM_LISTPACKS_2 ? TYPE_STREAM_LISTPACKS_3 : redisType;
    }

    static Entry encode(byte[] key, int type, byte[] value, long expireAtMs, int dfMask, int mcFlags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + key.length + 32);
        if (expireAtMs > 0) {
            out.write(OP_EXPIRETIME_MS);
            RdbBytes.le(out, expireAtMs, 8);
        }
        if (dfMask != 0) {
            out.write(OP_DF_MASK);
            RdbBytes.le(out, dfMask, 4);
            if ((dfMask & DF_MASK_MC_FLAGS) != 0) RdbBytes.le(out, mcFlags & 0xFFFFFFFFL, 4);
        }
        out.write(type);
        RdbBytes.string(out, key);
        int valueStart = out.size();
        out.write(value, 0, value.length);
        byte[] bytes = out.toByteArray();
        int[] cuts = elementBoundaries(type, bytes, valueStart);
        return new Entry(key, type, bytes, cuts);
    }

    /** Boundaries after each element except the last; none for types the real master never splits. */
    static int[] elementBoundaries(int type, byte[] b, int valueStart) {
        RdbBytes.Cursor c = new RdbBytes.Cursor(b, valueStart);
        List<Integer> cuts = new ArrayList<>();
        switch (type) {
            case TYPE_SET, TYPE_HASH, TYPE_ZSET_2, TYPE_LIST_QUICKLIST_2, TYPE_HASH_WITH_EXPIRY, TYPE_SET_WITH_EXPIRY -> {
                long n = c.packed();
                for (long i = 0; i < n; i++) {
                    switch (type) {
                        case TYPE_SET -> c.skipString();
                        case TYPE_HASH, TYPE_SET_WITH_EXPIRY -> {
                            c.skipString();
                            c.skipString();
                        }
                        case TYPE_HASH_WITH_EXPIRY -> {
                            c.skipString();
                            c.skipString();
                            c.skipString();
                        }
                        case TYPE_ZSET_2 -> {
                            c.skipString();
                            c.pos += 8;
                        }
                        default -> {
                            c.packed();
                            c.skipString();
                        }
                    }
                    if (i + 1 < n) cuts.add(c.pos);
                }
                if (c.pos != b.length) throw new IllegalStateException("type " + type + ": " + (b.length - c.pos) + " trailing bytes");
            }
            case TYPE_STREAM_LISTPACKS_3 -> {
                long n = c.packed();
                for (long i = 0; i < n; i++) {
                    c.skipString();
                    c.skipString();
                    if (i + 1 < n) cuts.add(c.pos); // never after the last listpack: the metadata belongs to it
                }
            }
            default -> {
            }
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Copies a STREAM_LISTPACKS_2 value, adding each consumer's active_time (its seen_time; 7.0 has no other). */
    static byte[] streamV2toV3(byte[] v) {
        RdbBytes.Cursor c = new RdbBytes.Cursor(v, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream(v.length + 64);
        long listpacks = c.packed();
        for (long i = 0; i < listpacks; i++) {
            c.skipString();
            c.skipString();
        }
        c.packed(); // length
        for (int i = 0; i < 7; i++) c.packed(); // last_id, first_id, max_deleted (ms, seq each), entries_added
        long groups = c.packed();
        int copied = 0;
        for (long g = 0; g < groups; g++) {
            c.skipString();
            c.packed();
            c.packed();
            c.packed(); // last_id ms/seq, entries_read
            long pel = c.packed();
            for (long p = 0; p < pel; p++) {
                c.pos += 16 + 8; // raw id + delivery time; the delivery count is packed
                c.packed();
            }
            long consumers = c.packed();
            for (long k = 0; k < consumers; k++) {
                c.skipString();
                int seenAt = c.pos;
                c.pos += 8;
                out.write(v, copied, c.pos - copied);
                out.write(v, seenAt, 8);
                copied = c.pos;
                long cpel = c.packed();
                c.pos += (int) cpel * 16;
            }
        }
        if (c.pos != v.length) throw new IllegalStateException("stream: " + (v.length - c.pos) + " trailing bytes");
        out.write(v, copied, v.length - copied);
        return out.toByteArray();
    }
}
