package dev.ferry.pipeline;

import dev.ferry.command.ValueType;
import dev.ferry.rdb.RdbReader;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.source.SnapshotSink;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One snapshot of one source shard, handed to the writer: keys already expired are not written (a master would
 * drop them on load too), the shard's {@link FilterStage} admits, maps and paces every key, and function
 * libraries are collected to be loaded once the keys are in.
 */
final class SnapshotFeeder implements SnapshotSink {
    /** What every feeder of a run shares. */
    record Context(TargetWriter writer, RunStats stats, WriteListener outcomes, int batch, long bigValueThreshold,
                   boolean replace) {
    }

    private final Context ctx;
    private final ShardId shard;
    private final FilterStage stage;
    /** What every record claims, or null to keep the reader's (a file offset). */
    private final Position position;
    private final BooleanSupplier stop;
    private final long now = System.currentTimeMillis();
    private final List<byte[]> functions;
    private final List<byte[][]> aux = new ArrayList<>();
    private final Map<Integer, SnapshotFeeder> lanes;
    private boolean skippingBig;

    SnapshotFeeder(Context ctx, ShardId shard, FilterStage stage, Position position, BooleanSupplier stop) {
        this(ctx, shard, stage, position, stop, new ArrayList<>(), new HashMap<>());
    }

    private SnapshotFeeder(Context ctx, ShardId shard, FilterStage stage, Position position, BooleanSupplier stop,
                           List<byte[]> functions, Map<Integer, SnapshotFeeder> lanes) {
        this.ctx = ctx;
        this.shard = shard;
        this.stage = stage;
        this.position = position;
        this.stop = stop;
        this.functions = functions;
        this.lanes = lanes;
    }

    @Override
    public RdbReader.Options readerOptions() {
        RdbReader.Options options = stage.readerOptions(ctx.batch(), ctx.bigValueThreshold());
        if (position != null) options.positions(offset -> position);
        return options;
    }

    @Override
    public synchronized SnapshotSink lane(int lane) {
        if (lane == 0) return this;
        return lanes.computeIfAbsent(lane, l -> new SnapshotFeeder(ctx, shard.lane(l), stage, position, stop, functions, lanes));
    }

    @Override
    public boolean wants(int db, byte[] key, ValueType type) {
        return stage.wants(db, key, type);
    }

    /** The function libraries found so far. */
    List<byte[]> functions() {
        return functions;
    }

    @Override
    public void loaded() {
        loadFunctions();
    }

    /** Loads the function libraries found, once the keys are in; returns how many the target took. */
    int loadFunctions() {
        return FunctionLoader.load(ctx.writer(), functions, ctx.replace(), ctx.outcomes());
    }

    @Override
    public String aux(String name) {
        for (byte[][] kv : aux) {
            if (new String(kv[0], StandardCharsets.UTF_8).equals(name)) return new String(kv[1], StandardCharsets.UTF_8);
        }
        return null;
    }

    @Override
    public void resizeDb(long dbSize, long expiresSize) {
        // each db's key count, ahead of its keys: what the status' snapshot progress counts against
        ctx.stats().keysAnnounced.add(dbSize);
    }

    @Override
    public void aux(byte[] name, byte[] value) {
        aux.add(new byte[][] {name, value});
    }

    private void checkStop() {
        if (stop.getAsBoolean()) throw new Stopped();
    }

    @Override
    public void keyValue(KeyValue kv) {
        checkStop();
        ctx.stats().keysRead.increment();
        if (expired(kv.expireAtMs())) {
            ctx.outcomes().skipped(kv.db(), kv.key(), "already expired");
            return;
        }
        stage.pace(1, kv.payload().length);
        ctx.writer().write(shard, stage.mapped(kv));
    }

    @Override
    public void bigValueStart(BigValueStart start) {
        checkStop();
        ctx.stats().keysRead.increment();
        skippingBig = expired(start.expireAtMs());
        if (skippingBig) {
            ctx.outcomes().skipped(start.db(), start.key(), "already expired");
            return;
        }
        stage.pace(1, 0);
        ctx.writer().write(shard, stage.mapped(start));
    }

    @Override
    public void elements(ElementBatch batch) {
        if (skippingBig) return;
        stage.pace(0, batch.size() * 16L);
        ctx.writer().write(shard, batch); // a part of a value: its end record claims the position
    }

    @Override
    public void bigValueEnd(BigValueEnd end) {
        if (!skippingBig) ctx.writer().write(shard, end);
        skippingBig = false;
    }

    @Override
    public void functionLibrary(byte[] code) {
        functions.add(code);
    }

    @Override
    public void moduleAux(long moduleId, String moduleName, long at) {
        ctx.outcomes().warned(0, ("module " + moduleName).getBytes(StandardCharsets.UTF_8),
                "module AUX data at offset " + at + " is not copied (no command writes it)");
    }

    @Override
    public void skipped(int db, byte[] key, String reason) {
        ctx.stats().keysRead.increment();
        ctx.outcomes().skipped(db, key, reason);
    }

    private boolean expired(long expireAtMs) {
        return expireAtMs > 0 && expireAtMs <= now;
    }
}
