package dev.ferry.rdb;

import dev.ferry.record.ElementBatch;
import dev.ferry.command.ValueType;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * DUMP payloads for RESTORE: the footer (RDB version + CRC-64) and encoders for the plain encodings every
 * Redis loads, so a value read in a newer encoding can be re-encoded for an older target.
 * Payloads here are "type byte + serialised value", like {@link dev.ferry.record.KeyValue#payload()}.
 */
public final class DumpPayload {
    private DumpPayload() {
    }

    /** Appends the 2-byte little-endian RDB version and the CRC-64 of everything before it, as DUMP does. */
    public static byte[] of(byte[] payload, int rdbVersion) {
        if (rdbVersion < 1 || rdbVersion > 0xffff) throw new IllegalArgumentException("bad RDB version " + rdbVersion);
        byte[] out = new byte[payload.length + 10];
        System.arraycopy(payload, 0, out, 0, payload.length);
        out[payload.length] = (byte) rdbVersion;
        out[payload.length + 1] = (byte) (rdbVersion >>> 8);
        long crc = Crc64.update(0, out, 0, payload.length + 2);
        for (int i = 0; i < 8; i++) out[payload.length + 2 + i] = (byte) (crc >>> (8 * i));
        return out;
    }

    /** The highest object type code a server writing this RDB version knows. */
    public static int maxTypeCodeFor(int rdbVersion) {
        if (rdbVersion <= 0) return -1;
        if (rdbVersion == 1) return 11;
        if (rdbVersion <= 3) return 12;
        if (rdbVersion <= 6) return 13;
        if (rdbVersion <= 8) return 14; // 8 (4.0) also added 5, 6 and 7 below 9
        if (rdbVersion == 9) return 15;
        if (rdbVersion == 10) return 19;
        if (rdbVersion == 11) return 21;
        return 25;
    }

    /**
     * Whether a server whose own RDB version is {@code targetRdbVersion} loads object type {@code rdbType}
     * (RDB 7 = 3.2, 8 = 4.0, 9 = 5.0-6.2, 10 = 7.0, 11 = 7.2, 12 = 7.4/8.0).
     */
    public static boolean targetLoads(int rdbType, int targetRdbVersion) {
        int v = targetRdbVersion;
        switch (rdbType) {
            case 0: case 1: case 2: case 3: case 4: return v >= 1;
            case 5: case 7: return v >= 8;
            case 6: return v >= 8 && v <= 10; // 7.2 rejects pre-release module values
            case 9: case 10: case 11: return v >= 1;
            case 12: return v >= 2;
            case 13: return v >= 4;
            case 14: return v >= 7;
            case 15: return v >= 9;
            case 16: case 17: case 18: case 19: return v >= 10;
            case 20: case 21: return v >= 11;
            case 22: case 23: case 24: case 25: return v >= 12;
            default: return false;
        }
    }

    // ------------------------------------------------------------------ plain encoders

    public static byte[] string(byte[] value) {
        return new RdbOutput(value.length + 6).u8(0).string(value).toByteArray();
    }

    /** LIST (1): still loaded by every Redis, which converts it to its current list encoding. */
    public static byte[] list(List<byte[]> items) {
        RdbOutput o = new RdbOutput(64).u8(1).len(items.size());
        for (byte[] i : items) o.string(i);
        return o.toByteArray();
    }

    public static byte[] set(List<byte[]> members) {
        RdbOutput o = new RdbOutput(64).u8(2).len(members.size());
        for (byte[] m : members) o.string(m);
        return o.toByteArray();
    }

    /** ZSET_2 (5, binary scores) for RDB 8+, else ZSET (3) with text scores. */
    public static byte[] zset(List<byte[]> members, double[] scores, int targetRdbVersion) {
        boolean binary = targetRdbVersion >= 8;
        RdbOutput o = new RdbOutput(64).u8(binary ? 5 : 3).len(members.size());
        for (int i = 0; i < members.size(); i++) {
            o.string(members.get(i));
            double s = scores[i];
            if (binary) {
                o.longLE(Double.doubleToRawLongBits(s));
            } else if (Double.isNaN(s)) {
                o.u8(253);
            } else if (s == Double.POSITIVE_INFINITY) {
                o.u8(254);
            } else if (s == Double.NEGATIVE_INFINITY) {
                o.u8(255);
            } else {
                // shortest text that reads back to the same double with strtod
                byte[] t = Double.toString(s).getBytes(StandardCharsets.US_ASCII);
                o.u8(t.length).bytes(t, 0, t.length);
            }
        }
        return o.toByteArray();
    }

    /**
     * HASH (4); field TTLs (absolute ms, -1 for none; {@code ttls} may be null) are kept only for RDB 12+
     * targets, as HASH_METADATA (24). For older targets they are dropped: they have no way to hold them.
     */
    public static byte[] hash(List<byte[]> fields, List<byte[]> values, long[] ttls, int targetRdbVersion) {
        long min = Long.MAX_VALUE;
        if (ttls != null) for (int i = 0; i < fields.size(); i++) if (ttls[i] >= 0) min = Math.min(min, ttls[i]);
        boolean withTtl = min != Long.MAX_VALUE && targetRdbVersion >= 12;
        RdbOutput o = new RdbOutput(64).u8(withTtl ? 24 : 4);
        if (withTtl) o.longLE(min);
        o.len(fields.size());
        for (int i = 0; i < fields.size(); i++) {
            if (withTtl) o.len(ttls[i] >= 0 ? ttls[i] - min + 1 : 0);
            o.string(fields.get(i)).string(values.get(i));
        }
        return o.toByteArray();
    }

    /** Encodes decoded batches of one value in a plain encoding the target loads. */
    public static byte[] plain(ValueType type, List<ElementBatch> batches, int targetRdbVersion) {
        int n = 0;
        for (ElementBatch b : batches) n += b.size();
        java.util.ArrayList<byte[]> items = new java.util.ArrayList<>(n);
        java.util.ArrayList<byte[]> values = type == ValueType.HASH ? new java.util.ArrayList<>(n) : null;
        double[] scores = type == ValueType.ZSET ? new double[n] : null;
        long[] ttls = null;
        int k = 0;
        for (ElementBatch b : batches) {
            for (int i = 0; i < b.size(); i++, k++) {
                items.add(b.item(i));
                if (values != null) {
                    values.add(b.value(i));
                    if (b.hasTtls()) {
                        if (ttls == null) {
                            ttls = new long[n];
                            java.util.Arrays.fill(ttls, -1);
                        }
                        ttls[k] = b.ttl(i);
                    }
                }
                if (scores != null) scores[k] = b.score(i);
            }
        }
        switch (type) {
            case STRING: {
                RdbOutput o = new RdbOutput(16);
                long total = 0;
                for (byte[] piece : items) total += piece.length;
                o.u8(0).len(total);
                for (byte[] piece : items) o.bytes(piece, 0, piece.length);
                return o.toByteArray();
            }
            case LIST: return list(items);
            case SET: return set(items);
            case ZSET: return zset(items, scores, targetRdbVersion);
            case HASH: return hash(items, values, ttls, targetRdbVersion);
            default: throw new IllegalArgumentException(type + " values have no plain element encoding");
        }
    }
}
