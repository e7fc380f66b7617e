package dev.ferry.source;

/** What a source is given to write into: one {@link ShardSink} per source shard, and what they share. */
public interface ShardSinks {
    /**
     * The sink of source shard {@code shard} (its place among the source's shards), named {@code name} in
     * messages; {@code scope}: which keys the shard holds; {@code sourceDbs}: how many dbs it has.
     */
    ShardSink open(int shard, String name, KeyScope scope, int sourceDbs);

    /** Whether the target has module {@code name} loaded (say "rejson"): a source may then pass its commands on. */
    boolean targetHasModule(String name);

    /** Waits until the target answered everything any shard sent. */
    void drain();
}
