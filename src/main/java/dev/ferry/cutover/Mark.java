package dev.ferry.cutover;

import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import java.util.Locale;

/**
 * Where one source shard stands, in the terms the target's checkpoint uses for it: a Redis master's offset in its
 * replication history, or a Dragonfly flow's next LSN in its master's journal. The target holds every write the
 * shard acknowledged up to here once the checkpoint's position of {@code shard} reaches it.
 *
 * @param shard   the checkpoint's shard index (Redis: found by replication id; Dragonfly: the flow)
 * @param history the replication id (Redis) or the master's id (Dragonfly) the position must be in
 * @param at      the offset (Redis) or the next LSN (Dragonfly)
 * @param name    the source master, and the flow for Dragonfly, for messages
 */
record Mark(int shard, String history, long at, boolean flow, String name) {
    /** Whether {@code p}, the checkpoint's position of this shard, covers everything up to here. */
    boolean reachedBy(Position p) {
        return behind(p) == 0;
    }

    /** How far {@code p} is behind (bytes or records), or -1 when it is in another history or absent. */
    long behind(Position p) {
        long have;
        if (!flow && p instanceof ReplicationOffset r && r.replid().equals(history)) {
            have = r.offset();
        } else if (flow && p instanceof FlowLsn f && f.master().equals(history) && !f.isInFullSync()) {
            have = f.lsn();
        } else {
            return -1;
        }
        return Math.max(0, at - have);
    }

    String unit() {
        return flow ? "records" : "bytes";
    }

    String describe() {
        return flow ? String.format(Locale.ROOT, "%s: LSN %,d of master %s", name, at, history)
                : String.format(Locale.ROOT, "%s: offset %,d of replication id %s", name, at, history);
    }
}
