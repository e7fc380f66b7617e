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

    /**
     * Runs {@code step}, in which the positions of several shards move past one event together (a Dragonfly
     * FLUSHALL every flow meets), as one step of the run's checkpoint: no position is written while it runs, and
     * afterwards, once the target answered everything, every shard's position is written in one write. A resume
     * then finds all of them before the event or all after it, never some on each side.
     */
    void together(Runnable step);

    /**
     * Whether a {@code ferry cutover} is moving the applications to the target: a source must not follow its master
     * to a new address now (Sentinel is about to name the target itself, and copying the target into itself would
     * ruin it); the run stops once the cutover is done.
     */
    default boolean cutoverUnderWay() {
        return false;
    }
}
