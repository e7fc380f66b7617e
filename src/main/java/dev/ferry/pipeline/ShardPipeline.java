package dev.ferry.pipeline;

import dev.ferry.record.Command;
import dev.ferry.record.Confirmation;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.source.ShardSink;
import dev.ferry.source.SnapshotSink;
import dev.ferry.writer.TargetWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One source shard's way into the target: its {@link FilterStage}, a {@link SnapshotFeeder} per snapshot, its
 * {@link LiveApplier}, and the positions the writer pushes back for it.
 */
final class ShardPipeline implements ShardSink {
    private final TargetWriter writer;
    private final ShardId shard;
    private final String name;
    private final dev.ferry.source.KeyScope scope;
    /** The run's checkpoints, or null when it keeps none. */
    private final Checkpoints checkpoints;
    private final Checkpoints.Shard checkpoint;
    private final Consumer<String> notices;
    private final FilterStage stage;
    private final LiveApplier live;
    private final SnapshotFeeder.Context snapshots;
    private final BooleanSupplier stopSnapshot;
    private final AtomicReference<Confirmation> newest = new AtomicReference<>();
    private final List<Consumer<Confirmation>> listeners = new CopyOnWriteArrayList<>();

    ShardPipeline(TargetWriter writer, ShardId shard, String name, dev.ferry.source.KeyScope scope, FilterStage stage,
                  LiveApplier live, SnapshotFeeder.Context snapshots, BooleanSupplier stopSnapshot, Checkpoints checkpoints,
                  Consumer<String> notices) {
        this.writer = writer;
        this.shard = shard;
        this.name = name;
        this.scope = scope;
        this.checkpoints = checkpoints;
        this.checkpoint = checkpoints == null ? null : checkpoints.shard(shard.shard());
        if (checkpoint != null) checkpoint.confirmation = this::confirmation;
        this.notices = notices;
        this.stage = stage;
        this.live = live;
        this.snapshots = snapshots;
        this.stopSnapshot = stopSnapshot;
        writer.onConfirmed(shard, this::confirmed);
    }

    /** On a reply thread: keep the newest (pushes from two threads may cross), then tell the listeners. */
    private void confirmed(Confirmation c) {
        Confirmation prev;
        do {
            prev = newest.get();
            if (prev != null && prev.sequence() >= c.sequence()) return;
        } while (!newest.compareAndSet(prev, c));
        for (Consumer<Confirmation> l : listeners) l.accept(c);
    }

    @Override
    public SnapshotSink snapshot(Position at) {
        if (checkpoints != null) {
            // a new history: the shard's checkpoint goes before any of the snapshot is written, and what an earlier
            // run copied goes too (keys the source deleted meanwhile must not stay)
            checkpoints.snapshotBegins(shard.shard(), scope.all(), () -> {
                writer.drain();
                String why = "the earlier run's copy is replaced by a full sync";
                if (checkpoints.copiedByAnotherRun() != null) live.removeEarlierCopy(checkpoints.copiedByAnotherRun(), why);
                else live.removeShardData(null, why);
            });
        }
        return feeder(at);
    }

    @Override
    public Position resumeFrom() {
        return checkpoint == null ? null : checkpoint.resumeFrom;
    }

    @Override
    public void resumed(Position from) {
        notices.accept("resuming " + name + " from " + from.describe());
        if (checkpoint == null) return;
        writer.resumeAfter(shard, checkpoint.guards);
        checkpoints.settled(shard.shard());
    }

    @Override
    public void cannotResume(String why) {
        notices.accept("cannot resume: " + why + "; full sync");
    }

    @Override
    public SnapshotSink rereads() {
        return new SnapshotFeeder(snapshots, shard, stage, null, () -> false);
    }

    /** As {@link #snapshot} with the concrete type, for the import job. */
    SnapshotFeeder feeder(Position at) {
        return new SnapshotFeeder(snapshots, shard, stage, at, stopSnapshot);
    }

    @Override
    public boolean wants(int db, byte[] key) {
        return stage.filter().accept(db, key, null);
    }

    @Override
    public void startLive() {
        writer.startLive(shard); // waits until the snapshot is answered
        if (checkpoints != null) checkpoints.settled(shard.shard());
    }

    @Override
    public void command(Command command) {
        live.command(command);
    }

    @Override
    public void transaction(List<Command> commands, Position at) {
        live.transaction(commands, at);
    }

    @Override
    public void keyValue(KeyValue value) {
        live.keyValue(value);
    }

    @Override
    public void refuse(int db, byte[] key, String reason, Position at) {
        live.refuse(db, key, reason, at);
    }

    @Override
    public void warn(int db, byte[] key, String message) {
        live.warn(db, key, message);
    }

    @Override
    public void sourceWarning(String subject, String message) {
        snapshots.outcomes().warned(0, subject.getBytes(java.nio.charset.StandardCharsets.UTF_8), message);
    }

    @Override
    public void advance(Position at) {
        live.advance(at);
    }

    @Override
    public void removeCopiedData(String why) {
        writer.drain();
        if (checkpoints != null) checkpoints.unsettle(shard.shard()); // before the copy it covers goes
        live.removeShardData(null, why);
        if (checkpoints != null) checkpoints.earlierCopyRemoved(shard.shard(), scope.all());
    }

    @Override
    public void flush() {
        writer.flush();
    }

    @Override
    public void drain() {
        writer.drain();
    }

    @Override
    public void onConfirmed(Consumer<Confirmation> listener) {
        listeners.add(listener);
        Confirmation c = newest.get();
        if (c != null) listener.accept(c);
    }

    @Override
    public Confirmation confirmation() {
        return newest.get();
    }
}
