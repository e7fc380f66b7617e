package dev.ferry.record;

import java.util.Locale;

/**
 * A Dragonfly flow's journal position: the LSN of the next record the flow expects, which is what
 * {@code REPLCONF ACK} carries and what {@code DFLY FLOW ... <lsn>} asks to continue from. Records inside the
 * flow's full sync have no LSN yet (the master names the journal's start only at the full sync's end): they
 * claim {@link #inFullSync}.
 *
 * @param master the master's replication id (its journal's identity: a restarted master starts a new one)
 */
public record FlowLsn(String master, int flow, long lsn) implements Position {
    private static final long FULL_SYNC = -1;

    /** A record of flow {@code flow}'s full sync: part of the snapshot, not yet a journal position. */
    public static FlowLsn inFullSync(String master, int flow) {
        return new FlowLsn(master, flow, FULL_SYNC);
    }

    public boolean isInFullSync() {
        return lsn == FULL_SYNC;
    }

    @Override
    public String describe() {
        return isInFullSync() ? "flow " + flow + " in its full sync" : String.format(Locale.ROOT, "flow %d LSN %,d of master %s", flow, lsn, master);
    }

    @Override
    public long ordinal() {
        return lsn;
    }
}
