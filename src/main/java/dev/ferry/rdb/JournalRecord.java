package dev.ferry.rdb;

/**
 * One record of a Dragonfly flow's journal (its replication command log). SELECT is folded into {@link #db};
 * LSN markers carry the LSN of the record before them and are not records themselves.
 *
 * @param kind what the record is
 * @param db   the db in effect (commands only)
 * @param txid the master's transaction id: parts of one multi-shard command share it; 0 for expiry deletes
 * @param args command name and arguments (commands only)
 * @param lsn  the LSN an {@link Kind#LSN} marker names
 */
public record JournalRecord(Kind kind, int db, long txid, byte[][] args, long lsn) {
    public enum Kind {
        /** A write (opcode 10), or an expiry delete of masters before v1.38 (opcode 9). */
        COMMAND,
        /** Part of an atomic block of masters before v1.21 (opcode 11), closed by {@link #EXEC}. */
        MULTI_COMMAND,
        EXEC,
        PING,
        LSN,
        /** End of a slot-migration stream; never sent to replicas. */
        FIN;

        /** Whether the master counted the record in its LSN sequence. */
        public boolean counted() {
            return this != LSN && this != FIN;
        }
    }

    public String name() {
        return args == null ? kind.name() : new String(args[0], java.nio.charset.StandardCharsets.US_ASCII);
    }
}
