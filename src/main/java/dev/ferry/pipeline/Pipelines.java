package dev.ferry.pipeline;

import dev.ferry.record.ShardId;
import dev.ferry.source.KeyScope;
import dev.ferry.source.ShardSink;
import dev.ferry.source.ShardSinks;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import java.util.function.BooleanSupplier;

/**
 * The {@link ShardSinks} of one run: a {@link ShardPipeline} per source shard, all into one writer, with the
 * run's filters, rate limit (each shard paced apart), outcome reporting and ownership of the target's dbs.
 */
public final class Pipelines implements ShardSinks {
    private final TargetWriter writer;
    private final KeyFilter filter;
    private final RateLimiter rate;
    private final RunStats stats;
    private final SnapshotFeeder.Context snapshots;
    private final LiveApplier.Context live;
    private final BooleanSupplier stopSnapshot;
    private Checkpoints checkpoints;
    private java.util.function.Consumer<String> notices = n -> { };

    /**
     * {@code stopSnapshot}: once true, a snapshot ends at its next key ({@link dev.ferry.source.SnapshotSink.Stopped});
     * {@code ownership} may be null where nothing is ever removed (an import).
     */
    public Pipelines(TargetWriter writer, KeyFilter filter, RateLimiter rate, RunStats stats, WriteListener outcomes, int batch,
              long bigValueThreshold, boolean replace, boolean ignoreFlush, TargetOwnership ownership,
              BooleanSupplier stopSnapshot) {
        this.writer = writer;
        this.filter = filter;
        this.rate = rate == null ? RateLimiter.NONE : rate;
        this.stats = stats;
        this.snapshots = new SnapshotFeeder.Context(writer, stats, outcomes, batch, bigValueThreshold, replace);
        this.live = new LiveApplier.Context(writer, outcomes, ignoreFlush, ownership);
        this.stopSnapshot = stopSnapshot;
    }

    /** The run keeps checkpoints on the target: shards resume from them and write their positions there. */
    Pipelines checkpoints(Checkpoints checkpoints, java.util.function.Consumer<String> notices) {
        this.checkpoints = checkpoints;
        // a reason every shard gives alike (a Dragonfly master's flows) is said once
        java.util.Set<String> said = java.util.concurrent.ConcurrentHashMap.newKeySet();
        this.notices = line -> {
            if (said.add(line)) notices.accept(line);
        };
        live.checkpoints = checkpoints;
        return this;
    }

    @Override
    public ShardSink open(int shard, String name, KeyScope scope, int sourceDbs) {
        return pipeline(shard, name, scope, sourceDbs);
    }

    ShardPipeline pipeline(int shard, String name, KeyScope scope, int sourceDbs) {
        ShardId id = ShardId.of(shard);
        FilterStage stage = new FilterStage(filter, rate.copy(), stats, name);
        return new ShardPipeline(writer, id, name, scope, stage, new LiveApplier(live, id, name, stage, scope, sourceDbs),
                snapshots, stopSnapshot, checkpoints, notices);
    }

    @Override
    public boolean targetHasModule(String name) {
        return writer.info().modules().contains(name);
    }

    @Override
    public void drain() {
        writer.drain();
    }

    @Override
    public void together(Runnable step) {
        if (checkpoints == null) step.run();
        else checkpoints.together(step);
    }

    @Override
    public boolean cutoverUnderWay() {
        Checkpoints c = checkpoints;
        return c != null && c.cutoverUnderWay();
    }
}
