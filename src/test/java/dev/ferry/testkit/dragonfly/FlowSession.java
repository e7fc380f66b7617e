package dev.ferry.testkit.dragonfly;

import java.net.Socket;

/** One flow connection of a replication session: its socket, its grant (FULL/PARTIAL) and its phase. */
final class FlowSession {
    enum Mode { REGISTERED, FULL_SYNC, STABLE }

    final ReplicationSession session;
    final int flowId;
    final Socket socket;
    final FlowOutput out;
    final String token;
    final boolean partial;
    final long partialFromLsn;
    Mode mode = Mode.REGISTERED;
    SnapshotWriter snapshot;
    private long lastLsnMarkerNanos;
    private boolean lsnMarkerSent;

    FlowSession(ReplicationSession session, int flowId, Socket socket, FlowOutput out, String token, boolean partial,
            long partialFromLsn) {
        this.session = session;
        this.flowId = flowId;
        this.socket = socket;
        this.out = out;
        this.token = token;
        this.partial = partial;
        this.partialFromLsn = partialFromLsn;
    }

    /**
     * Stable-phase record: the real streamer writes an LSN opcode right after a record when none was written
     * for more than the interval (so one after the very first record of the stable phase, as captured).
     */
    void sendStable(byte[] record, long lsn, long lsnMarkerIntervalMs) {
        out.enqueue(record);
        long now = System.nanoTime();
        if (!lsnMarkerSent || now - lastLsnMarkerNanos > lsnMarkerIntervalMs * 1_000_000L) {
            out.enqueue(JournalWriter.lsn(lsn));
            lsnMarkerSent = true;
            lastLsnMarkerNanos = now;
        }
    }
}
