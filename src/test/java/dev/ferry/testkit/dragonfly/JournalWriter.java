package dev.ferry.testkit.dragonfly;

import java.io.ByteArrayOutputStream;

/**
 * Journal records in the v1.38+ layout (spec section 3.1). Every COMMAND carries its own SELECT because
 * the real master serializes each record independently; the SELECT is part of the record's bytes (and of
 * the backlog entry) but not an LSN of its own.
 */
final class JournalWriter {
    static final int OP_SELECT = 6;
    static final int OP_COMMAND = 10;
    static final int OP_PING = 13;
    static final int OP_LSN = 15;
    static final int RDB_JOURNAL_BLOB = 0xD2;

    private JournalWriter() {
    }

    static byte[] command(int db, long txid, byte[]... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 + totalLen(args));
        RdbBytes.packed(out, OP_SELECT);
        RdbBytes.packed(out, db);
        RdbBytes.packed(out, OP_COMMAND);
        RdbBytes.packed(out, txid);
        RdbBytes.packed(out, 1); // shard_cnt is constant since v1.38
        RdbBytes.packed(out, args.length);
        RdbBytes.packed(out, totalLen(args));
        for (byte[] a : args) {
            RdbBytes.packed(out, a.length);
            out.write(a, 0, a.length);
        }
        return out.toByteArray();
    }

    static byte[] ping() {
        return new byte[] {OP_PING};
    }

    static byte[] lsn(long lsn) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(10);
        RdbBytes.packed(out, OP_LSN);
        RdbBytes.packed(out, lsn);
        return out.toByteArray();
    }

    /** The full-sync wrapping of one record: D2 packed(1) rdbstr(record). */
    static void blob(ByteArrayOutputStream out, byte[] record) {
        out.write(RDB_JOURNAL_BLOB);
        RdbBytes.packed(out, 1);
        RdbBytes.rawString(out, record);
    }

    private static int totalLen(byte[][] args) {
        int n = 0;
        for (byte[] a : args) n += a.length;
        return n;
    }
}
