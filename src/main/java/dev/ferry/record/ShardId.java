package dev.ferry.record;

/**
 * One ordered stream of records into the writer: source shard {@code shard} (its place among the job's shards: a
 * Redis master, a Dragonfly flow, a scanned node, the file), and {@code lane}: 0 for the shard's own records,
 * 1 and up for streams a shard's snapshot arrives on side by side (Dragonfly's tagged entries), which the
 * writer keeps apart because their records interleave. Positions are confirmed per shard on lane 0.
 */
public record ShardId(int shard, int lane) {
    private static final ShardId[] FIRST = new ShardId[64];

    static {
        for (int i = 0; i < FIRST.length; i++) FIRST[i] = new ShardId(i, 0);
    }

    public static ShardId of(int shard) {
        return shard < FIRST.length ? FIRST[shard] : new ShardId(shard, 0);
    }

    public ShardId lane(int lane) {
        return new ShardId(shard, lane);
    }

    @Override
    public String toString() {
        return lane == 0 ? "shard " + shard : "shard " + shard + " lane " + lane;
    }
}
