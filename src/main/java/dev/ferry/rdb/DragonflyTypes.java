package dev.ferry.rdb;

import java.nio.charset.StandardCharsets;

/**
 * The object types only Dragonfly writes (codes 30 to 37 of its rdb_extensions.h): how to delimit them in a
 * stream and what they are called. Redis has no such codes, so a Redis RDB file holding one is corrupt.
 */
public final class DragonflyTypes {
    public static final int JSON = 30;
    public static final int HASH_WITH_EXPIRY = 31;
    public static final int SET_WITH_EXPIRY = 32;
    public static final int SBF = 33;
    public static final int SBF2 = 34;
    public static final int CMS = 35;
    public static final int TOPK = 36;
    public static final int CUCKOO = 37;

    /** Member expiries in types 31 and 32 count seconds from 2023-02-01T00:00:00Z. */
    static final long MEMBER_EPOCH_S = 1675209600L;

    private DragonflyTypes() {
    }

    public static boolean isDragonflyOnly(int rdbType) {
        return rdbType >= JSON && rdbType <= CUCKOO;
    }

    /** What the type is, for messages: the name Dragonfly's TYPE command answers with it. */
    public static String name(int rdbType) {
        switch (rdbType) {
            case JSON: return "JSON (ReJSON-RL)";
            case HASH_WITH_EXPIRY: return "hash with field TTLs";
            case SET_WITH_EXPIRY: return "set with member TTLs";
            case SBF: case SBF2: return "bloom filter (MBbloom--)";
            case CMS: return "count-min sketch (CMSk-TYPE)";
            case TOPK: return "top-k (TopK-TYPE)";
            case CUCKOO: return "cuckoo filter (MBbloomCF)";
            default: return "RDB type " + rdbType;
        }
    }

    /** Absolute expiry in ms of a type 31/32 member, or -1; the field is an integer written as an RDB string. */
    static long memberExpiry(byte[] field) {
        long v;
        try {
            v = Long.parseLong(new String(field, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new RdbFormatException("member expiry is not an integer: \"" + RdbFormatException.printable(field, 24) + "\"");
        }
        return v < 0 ? -1 : (v + MEMBER_EPOCH_S) * 1000L;
    }

    /** Walks over a value of one of these types; returns true if it is an empty collection. */
    static boolean skip(int rdbType, RdbInput in) {
        switch (rdbType) {
            case JSON:
                in.skipString();
                return false;
            case HASH_WITH_EXPIRY: case SET_WITH_EXPIRY: {
                long n = in.readLen();
                int per = rdbType == HASH_WITH_EXPIRY ? 3 : 2;
                for (long i = 0; i != n; i++) for (int k = 0; k < per; k++) in.skipString();
                return n == 0;
            }
            case SBF: case SBF2: {
                in.readLen(); // options
                in.skip(16); // grow factor, false-positive probability
                in.readLen(); // previous size
                in.readLen(); // current size
                in.readLen(); // max capacity
                long filters = in.readLen();
                for (long f = 0; f != filters; f++) {
                    in.readLen(); // hash count
                    if (rdbType == SBF) in.skipString();
                    else skipChunked(in);
                }
                return false;
            }
            case CMS: {
                long width = in.readLen();
                long depth = in.readLen();
                in.readLen(); // total count
                if (width < 0 || depth < 0 || width > RdbInput.MAX_STRING || depth > RdbInput.MAX_STRING
                        || width * depth > RdbInput.MAX_STRING / 8) {
                    throw new RdbFormatException("implausible count-min sketch size " + width + " x " + depth);
                }
                in.skip(width * depth * 8);
                return false;
            }
            case TOPK: {
                in.readLen(); // reserved
                in.readLen(); // k
                in.readLen(); // width
                in.readLen(); // depth
                in.skip(8); // decay
                long heap = in.readLen();
                for (long i = 0; i != heap; i++) {
                    in.skipString();
                    in.readLen();
                }
                long counters = in.readLen();
                in.checkLength(counters, "top-k counters");
                in.skip(counters);
                return false;
            }
            case CUCKOO: {
                for (int i = 0; i < 6; i++) in.readLen(); // bucket size, iterations, expansion, buckets, items, deletes
                long filters = in.readLen();
                for (long f = 0; f != filters; f++) skipChunked(in);
                return false;
            }
            default:
                throw new RdbFormatException("unknown RDB value type " + rdbType);
        }
    }

    /** A total length, then pieces with their own length prefix until the total is reached. */
    private static void skipChunked(RdbInput in) {
        long total = in.readLen();
        in.checkLength(total, "filter");
        long seen = 0;
        while (seen < total) {
            long piece = in.readLen();
            if (piece <= 0 || piece > total - seen) throw new RdbFormatException("filter piece of " + piece + " bytes past its total " + total);
            in.skip(piece);
            seen += piece;
        }
    }
}
