package dev.ferry.rdb;

import dev.ferry.command.ValueType;

/**
 * Decodes one serialised value (everything after the type byte) into elements, whatever its encoding.
 * Holds at most one encoded blob (ziplist, listpack, quicklist node) at a time, so a value's size only
 * bounds the work, not the memory.
 */
final class ElementDecoder {
    static final int STRING_PIECE = 1 << 20;

    private ElementDecoder() {
    }

    /** True for the types this decoder handles (everything except streams and modules). */
    static boolean decodable(int rdbType) {
        ValueType t = ValueType.ofRdbType(rdbType);
        return t != null && t != ValueType.STREAM && t != ValueType.MODULE;
    }

    /**
     * @param stringPieces hand plain strings over in pieces of {@link #STRING_PIECE} bytes (the reader's
     *                     big-value path) instead of as one element (payloads already in memory)
     */
    static void decode(int rdbType, RdbInput in, Batcher out, boolean stringPieces) {
        switch (rdbType) {
            case 0:
                if (stringPieces) string(in, out);
                else out.item(in.readString());
                break;
            case 1: case 2: {
                long n = in.readLen();
                for (long i = 0; i != n; i++) out.item(in.readString());
                break;
            }
            case 3: case 5: {
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    byte[] m = in.readString();
                    out.scored(m, rdbType == 5 ? in.readDoubleLE() : textScore(in));
                }
                break;
            }
            case 4: {
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    byte[] f = in.readString();
                    out.field(f, in.readString(), -1);
                }
                break;
            }
            case 9: case 13: case 16: pairs(checkedBlob(rdbType, in.readString()), out); break;
            case 10: case 11: case 20: items(checkedBlob(rdbType, in.readString()), out); break;
            case 12: case 17: scored(checkedBlob(rdbType, in.readString()), out); break;
            case 14: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) items(checkedBlob(rdbType, in.readString()), out);
                break;
            }
            case 18: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) {
                    long container = in.readLen();
                    if (container == 1) {
                        out.item(in.readString());
                    } else if (container == 2) {
                        items(checkedBlob(rdbType, in.readString()), out);
                    } else {
                        throw new RdbFormatException("unknown quicklist container " + container);
                    }
                }
                break;
            }
            case 22: case 24: {
                long minExpire = rdbType == 24 ? in.readLongLE() : 0;
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    long ttl = in.readLen();
                    byte[] f = in.readString();
                    byte[] v = in.readString();
                    long at = ttl == 0 ? -1 : rdbType == 24 ? ttl + minExpire - 1 : ttl;
                    out.field(f, v, at);
                }
                break;
            }
            case 23: case 25: {
                if (rdbType == 25) in.readLongLE(); // min expiry: only a hint
                BlobCursor c = checkedBlob(rdbType, in.readString());
                while (c.next()) {
                    byte[] f = c.bytes();
                    c.expectNext("a field's value");
                    byte[] v = c.bytes();
                    c.expectNext("a field's TTL");
                    long ttl = c.longValue();
                    out.field(f, v, ttl == 0 ? -1 : ttl);
                }
                break;
            }
            case DragonflyTypes.HASH_WITH_EXPIRY: case DragonflyTypes.SET_WITH_EXPIRY: {
                // Dragonfly drops members already expired when it loads these; so do we
                long now = System.currentTimeMillis();
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    byte[] m = in.readString();
                    byte[] v = rdbType == DragonflyTypes.HASH_WITH_EXPIRY ? in.readString() : null;
                    long at = DragonflyTypes.memberExpiry(in.readString());
                    if (at != -1 && at <= now) continue;
                    if (v != null) out.field(m, v, at);
                    else out.member(m, at);
                }
                break;
            }
            default:
                throw new RdbFormatException("cannot decode RDB type " + rdbType + " into elements");
        }
        out.flush();
    }

    /**
     * Checks the structure of a whole value (type byte + serialised value, as {@link EntryReader} captures it)
     * that is written as it is, by RESTORE: every ziplist, listpack and intset inside is walked with all its
     * internal lengths checked (Redis's RESTORE checks only their headers unless sanitize-dump-payload is on),
     * streams are read whole. Plain encodings were already walked when the value was delimited; plain string
     * bytes and module values have no structure to check (only the file's checksum covers them).
     */
    static void check(byte[] payload) {
        RdbInput in = new RdbInput(payload, 0, payload.length);
        int type = in.readU8();
        switch (type) {
            case 9: case 10: case 11: case 12: case 13: case 16: case 17: case 20: checkedBlob(type, in.readString()); break;
            case 23: case 25: {
                if (type == 25) in.readLongLE();
                checkedBlob(type, in.readString());
                break;
            }
            case 14: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) checkedBlob(type, in.readString());
                break;
            }
            case 18: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) {
                    if (in.readLen() == 2) checkedBlob(type, in.readString());
                    else in.skipString();
                }
                break;
            }
            case 15: case 19: case 21: StreamValue.read(type, in, true); break;
            default: return;
        }
        if (!in.atEnd()) throw new RdbFormatException("trailing bytes after the value");
    }

    /**
     * The blob of a compact encoding (a whole value of types 9-13, 16, 17, 20, 23 and 25; one node of 14 and 18),
     * walked once so that every internal length is checked before anything is read from it: the one place that
     * says which blob each type holds and in what groups its entries come.
     */
    private static BlobCursor checkedBlob(int rdbType, byte[] raw) {
        switch (rdbType) {
            case 9: return new Zipmap(raw).checked(2);
            case 10: case 14: return new Ziplist(raw).checked(1);
            case 11: return new Intset(raw).checked(1);
            case 12: case 13: return new Ziplist(raw).checked(2);
            case 16: case 17: return new Listpack(raw).checked(2);
            case 18: case 20: return new Listpack(raw).checked(1);
            case 23: case 25: return new Listpack(raw).checked(3);
            default: throw new IllegalArgumentException("RDB type " + rdbType + " holds no compact blob");
        }
    }

    /** Plain strings are handed over in pieces so even a 512 MB string is not copied whole again. */
    private static void string(RdbInput in, Batcher out) {
        int b = in.peekU8();
        if ((b >>> 6) == 3) {
            out.item(in.readString());
            out.flush();
            return;
        }
        long len = in.readLen();
        in.checkLength(len, "string");
        if (len == 0) {
            out.item(new byte[0]);
        }
        while (len > 0) {
            int n = (int) Math.min(len, STRING_PIECE);
            byte[] piece = new byte[n];
            in.readFully(piece, 0, n);
            out.item(piece);
            out.flush();
            len -= n;
        }
        out.flush();
    }

    static double textScore(RdbInput in) {
        int len = in.readU8();
        switch (len) {
            case 253: return Double.NaN;
            case 254: return Double.POSITIVE_INFINITY;
            case 255: return Double.NEGATIVE_INFINITY;
            default: {
                byte[] b = new byte[len];
                in.readFully(b, 0, len);
                return Bytes.parseScore(b);
            }
        }
    }

    private static void items(BlobCursor c, Batcher out) {
        while (c.next()) out.item(c.bytes());
    }

    private static void scored(BlobCursor c, Batcher out) {
        while (c.next()) {
            byte[] m = c.bytes();
            c.expectNext("a member's score");
            out.scored(m, c.score());
        }
    }

    private static void pairs(BlobCursor c, Batcher out) {
        while (c.next()) {
            byte[] f = c.bytes();
            c.expectNext("a field's value");
            out.field(f, c.bytes(), -1);
        }
    }
}
