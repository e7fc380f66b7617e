package dev.ferry.source;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one source shard (a Redis master, a Dragonfly flow, a scanned node) has done so far, for progress
 * bars, the live lag line and the summary. Written by the shard's threads, read by anyone.
 */
public final class ShardProgress {
    public enum Phase { CONNECTING, SNAPSHOT, LIVE, RECONNECTING, STOPPED, FAILED }

    private final String name;
    private volatile Phase phase = Phase.CONNECTING;
    public final LongAdder keysRead = new LongAdder();
    public final LongAdder commandsRead = new LongAdder();
    /** Links lost and made again (a partial resync or a resumed Dragonfly session counts here too). */
    public final LongAdder reconnects = new LongAdder();
    /** Full syncs after the first: the target was copied again from a new snapshot. */
    public final LongAdder resyncs = new LongAdder();
    /** Bytes read from the source for this shard: snapshot and stream. */
    public final LongAdder bytesRead = new LongAdder();
    private volatile long snapshotBytesRead;
    private volatile long snapshotBytesTotal = -1;
    private volatile long lagBytes;
    private volatile long lagMillis;
    private volatile long appliedPosition = -1;
    private volatile String note;

    public ShardProgress(String name) {
        this.name = name;
    }

    public String name() { return name; }
    public Phase phase() { return phase; }
    public void phase(Phase p) { this.phase = p; }
    public long snapshotBytesRead() { return snapshotBytesRead; }
    public void snapshotBytesRead(long n) { this.snapshotBytesRead = n; }
    /** Size of the snapshot in bytes, or -1 while unknown (a diskless transfer). */
    public long snapshotBytesTotal() { return snapshotBytesTotal; }
    public void snapshotBytesTotal(long n) { this.snapshotBytesTotal = n; }
    /** Source bytes (or journal records, or changed keys: see {@link #lagUnit}) read but not yet confirmed by the target. */
    public long lagBytes() { return lagBytes; }
    /** Age of the oldest source write not yet confirmed by the target, in ms (0 when caught up). */
    public long lagMillis() { return lagMillis; }
    public void lag(long bytes, long millis) { this.lagBytes = bytes; this.lagMillis = millis; }
    /** Last source position whose effects the target confirmed, or -1. */
    public long appliedPosition() { return appliedPosition; }
    public void appliedPosition(long p) { this.appliedPosition = p; }
    /** Last notable event (reconnect, resync...), shown next to the shard. */
    public String note() { return note; }

    private volatile String positionUnit = "offset";
    private volatile String lagUnit = "bytes";

    /** What positions and lag count: a replication offset and bytes, or an LSN and journal records. */
    public void units(String position, String lag) {
        this.positionUnit = position;
        this.lagUnit = lag;
    }

    public String positionUnit() { return positionUnit; }
    public String lagUnit() { return lagUnit; }
    public void note(String n) { this.note = n; }
}
