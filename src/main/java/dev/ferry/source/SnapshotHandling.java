package dev.ferry.source;

import dev.ferry.pipeline.SnapshotFeeder;
import dev.ferry.rdb.RdbReader;

/** What applying a source shard's snapshot needs from the job: a fresh feeder per full sync, and what to do once it is in. */
public interface SnapshotHandling {
    /** {@code position}: what every record of the snapshot claims, or null for the reader's own (a file offset). */
    SnapshotFeeder feeder(dev.ferry.record.ShardId shard, dev.ferry.record.Position position);

    RdbReader.Options options(SnapshotFeeder feeder);

    /** The snapshot's keys are all written (not necessarily confirmed); load what comes after them (functions). */
    void loaded(int shard, SnapshotFeeder feeder);
}
