package dev.ferry.rdb;

import dev.ferry.record.ValueType;

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
            case 9: pairs(new Zipmap(in.readString()).checked(2), out); break;
            case 10: items(new Ziplist(in.readString()).checked(1), out); break;
            case 11: items(new Intset(in.readString()).checked(1), out); break;
            case 12: scored(new Ziplist(in.readString()).checked(2), out); break;
            case 13: pairs(new Ziplist(in.readString()).checked(2), out); break;
            case 14: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) items(new Ziplist(in.readString()).checked(1), out);
                break;
            }
            case 16: pairs(new Listpack(in.readString()).checked(2), out); break;
            case 17: scored(new Listpack(in.readString()).checked(2), out); break;
            case 18: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) {
                    long container = in.readLen();
                    if (container == 1) {
                        out.item(in.readString());
                    } else if (container == 2) {
                        items(new Listpack(in.readString()).checked(1), out);
                    } else {
                        throw new RdbFormatException("unknown quicklist container " + container);
                    }
                }
                break;
            }
            case 20: items(new Listpack(in.readString()).checked(1), out); break;
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
                BlobCursor c = new Listpack(in.readString()).checked(3);
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
            case 9: new Zipmap(in.readString()).checked(2); break;
            case 10: new Ziplist(in.readString()).checked(1); break;
            case 11: new Intset(in.readString()).checked(1); break;
            case 12: case 13: new Ziplist(in.readString()).checked(2); break;
            case 16: case 17: new Listpack(in.readString()).checked(2); break;
            case 20: new Listpack(in.readString()).checked(1); break;
            case 23: case 25: {
                if (type == 25) in.readLongLE();
                new Listpack(in.readString()).checked(3);
                break;
            }
            case 14: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) new Ziplist(in.readString()).checked(1);
                break;
            }
            case 18: {
                long nodes = in.readLen();
                for (long i = 0; i != nodes; i++) {
                    if (in.readLen() == 2) new Listpack(in.readString()).checked(1);
                    else in.skipString();
                }
                break;
            }
            case 15: case 19: case 21: StreamValue.read(type, in, true); break;
            default: return;
        }
        if (!in.atEnd()) throw new RdbFormatException("trailing bytes after the value");
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
