package dev.ferry.testkit.dragonfly;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Low-level encodings shared by the snapshot and the journal: Dragonfly's packed unsigned ints (same
 * shape as Redis RDB lengths), RDB strings with Dragonfly's integer encoding, little-endian fixed ints.
 * Kept independent of production code so the emulator cross-checks the replica client.
 */
final class RdbBytes {
    private RdbBytes() {
    }

    static void packed(ByteArrayOutputStream out, long v) {
        if (v >= 0 && v < 64) {
            out.write((int) v);
        } else if (v >= 0 && v < 16384) {
            out.write(0x40 | (int) (v >>> 8));
            out.write((int) v & 0xFF);
        } else if (v >= 0 && v <= 0xFFFFFFFFL) {
            out.write(0x80);
            be(out, v, 4);
        } else {
            // negative values only occur as "unsigned 64-bit" sentinels such as a stream's unknown entries_read
            out.write(0x81);
            be(out, v, 8);
        }
    }

    /** rdbstr, int-encoded when the bytes are a canonical decimal of at most 11 chars that fits 32 bits. */
    static void string(ByteArrayOutputStream out, byte[] s) {
        Long asInt = canonicalInt(s);
        if (asInt != null) {
            long v = asInt;
            if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
                out.write(0xC0);
                le(out, v, 1);
                return;
            } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
                out.write(0xC1);
                le(out, v, 2);
                return;
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                out.write(0xC2);
                le(out, v, 4);
                return;
            }
        }
        rawString(out, s);
    }

    static void string(ByteArrayOutputStream out, String s) {
        string(out, s.getBytes(StandardCharsets.UTF_8));
    }

    /** rdbstr without the integer attempt: blobs (compressed frames, journal records) must stay opaque. */
    static void rawString(ByteArrayOutputStream out, byte[] s) {
        packed(out, s.length);
        out.write(s, 0, s.length);
    }

    static Long canonicalInt(byte[] s) {
        if (s.length == 0 || s.length > 11) return null;
        String t = new String(s, StandardCharsets.ISO_8859_1);
        try {
            long v = Long.parseLong(t);
            return Long.toString(v).equals(t) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static void le(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
    }

    static void be(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) out.write((int) (v >>> (8 * i)) & 0xFF);
    }

    static long readLe(byte[] b, int pos, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) v |= (b[pos + i] & 0xFFL) << (8 * i);
        return v;
    }

    /** A cursor over RDB-encoded bytes: enough to walk values for element boundaries, not to decode them. */
    static final class Cursor {
        final byte[] b;
        int pos;

        Cursor(byte[] b, int pos) {
            this.b = b;
            this.pos = pos;
        }

        int u8() {
            return b[pos++] & 0xFF;
        }

        long packed() {
            int first = u8();
            switch (first >> 6) {
                case 0:
                    return first & 0x3F;
                case 1:
                    return ((first & 0x3F) << 8) | u8();
                default:
                    if (first == 0x80) {
                        long v = 0;
                        for (int i = 0; i < 4; i++) v = (v << 8) | u8();
                        return v;
                    }
                    if (first == 0x81) {
                        long v = 0;
                        for (int i = 0; i < 8; i++) v = (v << 8) | u8();
                        return v;
                    }
                    throw new IllegalStateException("not a length: 0x" + Integer.toHexString(first) + " at " + (pos - 1));
            }
        }

        void skipString() {
            int first = b[pos] & 0xFF;
            if ((first >> 6) == 3) {
                pos++;
                switch (first & 0x3F) {
                    case 0 -> pos += 1;
                    case 1 -> pos += 2;
                    case 2 -> pos += 4;
                    case 3 -> {
                        long clen = packed();
                        packed();
                        pos += (int) clen;
                    }
                    default -> throw new IllegalStateException("bad string encoding 0x" + Integer.toHexString(first));
                }
            } else {
                long len = packed();
                pos += (int) len;
            }
        }

        /** A string's bytes when it is raw (not int or LZF encoded); null otherwise. */
        byte[] rawStringOrNull() {
            int first = b[pos] & 0xFF;
            if ((first >> 6) == 3) {
                skipString();
                return null;
            }
            int len = (int) packed();
            byte[] s = java.util.Arrays.copyOfRange(b, pos, pos + len);
            pos += len;
            return s;
        }
    }
}
