package dev.ferry.record;

/**
 * Where a source shard stands after a record: every record carries the position its effects bring the target up
 * to, and once the target confirmed every record up to it, that position is what a replica acknowledges, what a
 * summary prints and what a resume starts from. One type per kind of source; the writer orders records by their
 * arrival, never by comparing positions, so it treats them as opaque.
 *
 * <p>A record that is one part of something larger claims {@code null} ("nothing new"): see {@link #ofPart}.
 */
public sealed interface Position permits FileOffset, ReplicationOffset, FlowLsn, ScanPosition {
    /** How a summary says it, e.g. "offset 1,234 of replication id abc...". */
    String describe();

    /**
     * A number that grows along one shard's history, record by record: the replication offset, the LSN, the file
     * offset, the scan's record count. Only the checkpoints compare positions, and only of one shard within one
     * history (a new full sync starts their comparisons afresh).
     */
    long ordinal();

    /**
     * The one rule for records sent in several parts (a command split by cluster slot, a MULTI/EXEC block applied
     * command by command, a block that holds a FLUSHALL): every part but the last claims the position the shard
     * had before the record ({@code before}, null when it had none), since the record is applied only once its
     * last part is; the last part claims the record's own position.
     */
    static Position ofPart(int part, int parts, Position before, Position whole) {
        return part == parts - 1 ? whole : before;
    }
}
