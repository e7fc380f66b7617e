package dev.ferry.rdb;

/**
 * Walks over one serialised value (after the type byte) to find its end, without decoding elements.
 * Reports whether the value is an empty collection, which Redis drops on load.
 */
final class ValueSkipper {
    private ValueSkipper() {
    }

    /** Skips the value; returns true if it is an empty collection. */
    static boolean skip(int rdbType, RdbInput in) {
        switch (rdbType) {
            case 0: in.skipString(); return false;
            case 1: case 2: {
                long n = in.readLen();
                for (long i = 0; i != n; i++) in.skipString();
                return n == 0;
            }
            case 3: case 5: {
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    in.skipString();
                    if (rdbType == 5) in.skip(8);
                    else {
                        int len = in.readU8();
                        if (len < 253) in.skip(len);
                    }
                }
                return n == 0;
            }
            case 4: {
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    in.skipString();
                    in.skipString();
                }
                return n == 0;
            }
            case 9: return emptyBlob(in, 9);
            case 10: case 12: case 13: return emptyBlob(in, 10);
            case 11: return emptyBlob(in, 11);
            case 16: case 17: case 20: return emptyBlob(in, 16);
            case 14: {
                long nodes = in.readLen();
                boolean empty = true;
                for (long i = 0; i != nodes; i++) empty &= emptyBlob(in, 10);
                return empty;
            }
            case 18: {
                long nodes = in.readLen();
                boolean empty = true;
                for (long i = 0; i != nodes; i++) {
                    long container = in.readLen();
                    if (container == 1) {
                        in.skipString();
                        empty = false;
                    } else if (container == 2) {
                        empty &= emptyBlob(in, 16);
                    } else {
                        throw new RdbFormatException("unknown quicklist container " + container);
                    }
                }
                return empty;
            }
            case 22: case 24: {
                if (rdbType == 24) in.skip(8);
                long n = in.readLen();
                for (long i = 0; i != n; i++) {
                    in.readLen();
                    in.skipString();
                    in.skipString();
                }
                return n == 0;
            }
            case 23: case 25: {
                if (rdbType == 25) in.skip(8);
                return emptyBlob(in, 16);
            }
            case 15: case 19: case 21:
                StreamValue.read(rdbType, in, false);
                return false;
            case 30: case 31: case 32: case 33: case 34: case 35: case 36: case 37:
                return DragonflyTypes.skip(rdbType, in);
            case 6:
                throw new RdbFormatException("module value of pre-release type 6 (module \"" + ModuleId.name(in.readLen())
                        + "\") cannot be delimited without the module");
            case 7:
                in.readLen();
                skipModuleOpcodes(in);
                return false;
            default:
                throw new RdbFormatException("unknown RDB value type " + rdbType);
        }
    }

    /** Module values and module AUX data are sequences of typed opcodes ending with EOF (0). */
    static void skipModuleOpcodes(RdbInput in) {
        while (true) {
            long op = in.readLen();
            if (op == 0) return;
            switch ((int) Math.min(op, 99)) {
                case 1: case 2: in.readLen(); break;
                case 3: in.skip(4); break;
                case 4: in.skip(8); break;
                case 5: in.skipString(); break;
                default: throw new RdbFormatException("unknown module opcode " + Long.toUnsignedString(op));
            }
        }
    }

    private static final int SMALL = 16;

    /** Blob kinds: 9 zipmap, 10 ziplist, 11 intset, 16 listpack. Small raw blobs are read to check emptiness. */
    private static boolean emptyBlob(RdbInput in, int kind) {
        byte[] b = in.readSmallRawOrSkip(SMALL);
        if (b == null) return false;
        BlobCursor c;
        switch (kind) {
            case 9: c = new Zipmap(b); break;
            case 10: c = new Ziplist(b); break;
            case 11: c = new Intset(b); break;
            default: c = new Listpack(b); break;
        }
        return c.isEmpty();
    }
}
