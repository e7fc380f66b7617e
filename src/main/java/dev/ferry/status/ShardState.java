package dev.ferry.status;

import dev.ferry.record.Position;
import dev.ferry.source.ShardProgress;

/**
 * One source shard as the status endpoint shows it: a Redis master, a Dragonfly flow, a scanned node, or an RDB
 * file. {@code lagBytes} is set for sources that count their lag in bytes, {@code lagRecords} for those that count
 * journal records or changed keys; the other is null. Sizes unknown are -1.
 */
public record ShardState(String name, String phase, Position confirmed, String positionUnit, boolean snapshotDone,
                         long snapshotBytesRead, long snapshotBytesTotal, long commandsRead, long bytesRead,
                         Long lagBytes, Long lagRecords, double lagSeconds, long reconnects, long resyncs, String note) {

    /** A replicating shard, from the progress its source keeps. */
    public static ShardState of(ShardProgress p, Position confirmed, boolean snapshotDone) {
        boolean bytes = p.lagUnit().equals("bytes");
        String phase = p.phase().name().toLowerCase(java.util.Locale.ROOT);
        boolean done = snapshotDone || p.phase() == ShardProgress.Phase.LIVE;
        return new ShardState(p.name(), phase, confirmed, p.positionUnit(), done, p.snapshotBytesRead(),
                p.snapshotBytesTotal(), p.commandsRead.sum(), p.bytesRead.sum(), bytes ? p.lagBytes() : null,
                bytes ? null : p.lagBytes(), p.lagMillis() / 1000.0, p.reconnects.sum(), p.resyncs.sum(), p.note());
    }
}
