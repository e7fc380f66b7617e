package dev.ferry.record;

import java.util.Locale;

/**
 * A Redis master's replication offset within one replication history ({@code replid}): what a replica sends in
 * {@code REPLCONF ACK} and asks to continue from in {@code PSYNC replid offset+1}. Every key of a full sync claims
 * the offset the master named in its {@code FULLRESYNC} answer.
 */
public record ReplicationOffset(String replid, long offset, int db) implements Position {
    /**
     * @param db the db the stream has selected after this offset: a master does not repeat its SELECT after a partial
     *           resync, so a replica continuing from here must know it (a full sync's keys claim its repl-stream-db)
     */
    public ReplicationOffset {
    }

    public ReplicationOffset(String replid, long offset) {
        this(replid, offset, 0);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "offset %,d of replication id %s", offset, replid);
    }

    @Override
    public long ordinal() {
        return offset;
    }
}
