package dev.ferry.source;

import java.util.List;

/**
 * A source that copies a snapshot and then follows changes, shard by shard, into the {@link ShardSinks} it was given.
 * Its threads are its own: {@link #start} returns at once.
 */
public interface LiveSource extends AutoCloseable {
    List<ShardProgress> shards();

    void start();

    /** True once every shard's snapshot is confirmed by the target. */
    boolean snapshotDone();

    /**
     * What stopped the source on its own, or null while it runs: its own exception, so the run's end keeps its type
     * (refused credentials, a damaged stream, a stop that cut a snapshot: {@link SnapshotSink.Stopped}).
     */
    RuntimeException failure();

    /**
     * Stops reading the source, applies everything already read, waits until the target confirmed it. Returns
     * what each shard did (its positions, resyncs...).
     */
    SourceSummary stop();

    /** A caveat to print with the results (the scan mode's weaker guarantee), or null. */
    default String caveat() {
        return null;
    }

    @Override
    default void close() {
    }
}
