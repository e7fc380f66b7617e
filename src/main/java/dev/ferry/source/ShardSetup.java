package dev.ferry.source;

import dev.ferry.pipeline.KeyScope;
import dev.ferry.pipeline.LiveApplier;

/** How the job wants each source shard applied: its live applier and what to do with its snapshots. */
public interface ShardSetup {
    LiveApplier applier(int shard, String name, KeyScope scope, int sourceDbs);

    SnapshotHandling snapshots();
}
