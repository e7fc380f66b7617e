package dev.ferry.it;

import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.record.Command;
import dev.ferry.record.Confirmation;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.source.KeyScope;
import dev.ferry.source.ShardSink;
import dev.ferry.source.ShardSinks;
import dev.ferry.source.SnapshotSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A run's real sinks (the job's {@code Pipelines}), each answering {@link ShardSink#resumeFrom} with the position a
 * first run's summary gave for its shard: a test stand-in for the checkpoint an earlier run leaves on the target.
 * It records what the source tells the sinks, and does what the pipeline does after {@link ShardSink#cannotResume}:
 * removes the earlier copy from the target as the first snapshot begins ({@code removeEarlierCopy}).
 */
final class CheckpointSinks implements ShardSinks {
    private volatile ShardSinks real;
    private final List<? extends Position> checkpoint;
    private final Runnable removeEarlierCopy;
    final Map<Integer, Position> resumed = new ConcurrentHashMap<>();
    final Map<Integer, String> cannotResume = new ConcurrentHashMap<>();
    /** Calls of {@link ShardSink#removeCopiedData}: the source's own removal, which a first full sync must not make. */
    final List<String> removeCopiedData = new CopyOnWriteArrayList<>();
    final AtomicInteger snapshots = new AtomicInteger();
    private final AtomicBoolean removed = new AtomicBoolean();

    /** {@code checkpoint}: shard i's position at index i (null: none for that shard). */
    CheckpointSinks(List<? extends Position> checkpoint, Runnable removeEarlierCopy) {
        this.checkpoint = checkpoint;
        this.removeEarlierCopy = removeEarlierCopy;
    }

    /** The job's own source factory ({@code ReplicateJob.replicaSource()}), given these sinks around the job's. */
    ReplicateJob.SourceFactory around(ReplicateJob.SourceFactory source) {
        return sinks -> {
            real = sinks;
            return source.open(this);
        };
    }

    @Override
    public ShardSink open(int shard, String name, KeyScope scope, int sourceDbs) {
        return new Sink(shard, real.open(shard, name, scope, sourceDbs));
    }

    @Override
    public boolean targetHasModule(String name) {
        return real.targetHasModule(name);
    }

    @Override
    public void drain() {
        real.drain();
    }

    private final class Sink implements ShardSink {
        private final int shard;
        private final ShardSink sink;

        Sink(int shard, ShardSink sink) {
            this.shard = shard;
            this.sink = sink;
        }

        @Override
        public Position resumeFrom() {
            return shard < checkpoint.size() ? checkpoint.get(shard) : null;
        }

        @Override
        public void resumed(Position from) {
            resumed.put(shard, from);
            sink.resumed(from);
        }

        @Override
        public void cannotResume(String why) {
            cannotResume.put(shard, why);
            sink.cannotResume(why);
        }

        @Override
        public SnapshotSink snapshot(Position at) {
            snapshots.incrementAndGet();
            // the pipeline's removal of the earlier copy: once, before the first snapshot record of any shard
            if (!cannotResume.isEmpty() && removed.compareAndSet(false, true)) removeEarlierCopy.run();
            return sink.snapshot(at);
        }

        @Override
        public void removeCopiedData(String why) {
            removeCopiedData.add(why);
            sink.removeCopiedData(why);
        }

        @Override public SnapshotSink rereads() { return sink.rereads(); }
        @Override public boolean wants(int db, byte[] key) { return sink.wants(db, key); }
        @Override public void startLive() { sink.startLive(); }
        @Override public void command(Command command) { sink.command(command); }
        @Override public void transaction(List<Command> commands, Position at) { sink.transaction(commands, at); }
        @Override public void keyValue(KeyValue value) { sink.keyValue(value); }
        @Override public void refuse(int db, byte[] key, String reason, Position at) { sink.refuse(db, key, reason, at); }
        @Override public void warn(int db, byte[] key, String message) { sink.warn(db, key, message); }
        @Override public void sourceWarning(String subject, String message) { sink.sourceWarning(subject, message); }
        @Override public void advance(Position at) { sink.advance(at); }
        @Override public void flush() { sink.flush(); }
        @Override public void drain() { sink.drain(); }
        @Override public void onConfirmed(Consumer<Confirmation> listener) { sink.onConfirmed(listener); }
        @Override public Confirmation confirmation() { return sink.confirmation(); }
    }
}
