package dev.ferry.pipeline;

import dev.ferry.rdb.RdbReader;
import dev.ferry.rdb.RdbVisitor;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.command.ValueType;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands what an RDB reader finds to the writer as records of one source shard: keys already expired are not
 * written (a master would drop them on load too), dbs are mapped, the rate limit is kept, and function
 * libraries are collected to be loaded once the data is in.
 */
public final class SnapshotFeeder implements RdbVisitor {
    private final TargetWriter w;
    private final ShardId shard;
    private final KeyFilter filter;
    private final RunStats stats;
    private final WriteListener outcomes;
    private final RateLimiter rate;
    /** Every record's position, or null to keep the reader's (a file offset). */
    private final Position position;
    private final long now = System.currentTimeMillis();
    private final List<byte[]> functions = new ArrayList<>();
    private final List<byte[][]> aux = new ArrayList<>();
    private boolean skippingBig;
    private volatile java.util.function.BooleanSupplier stop = () -> false;

    /**
     * Thrown out of the reader when a stop was asked for during a snapshot: between two keys, so no key is left
     * half written, and before the next one is sent.
     */
    public static final class Stopped extends RuntimeException {
        public static final String MESSAGE = "stopped before the snapshot was complete";
        private static final long serialVersionUID = 1L;

        public Stopped() {
            super(MESSAGE, null, false, false);
        }
    }

    public SnapshotFeeder(TargetWriter w, ShardId shard, KeyFilter filter, RunStats stats, WriteListener outcomes,
                          RateLimiter rate, Position position) {
        this.w = w;
        this.shard = shard;
        this.filter = filter;
        this.stats = stats;
        this.outcomes = outcomes;
        this.rate = rate == null ? RateLimiter.NONE : rate;
        this.position = position;
    }

    /** Reader options that apply the filter before a value is even read, counting what it leaves out. */
    public RdbReader.Options readerOptions(int batch, long bigValueThreshold) {
        RdbReader.Options options = new RdbReader.Options();
        if (position != null) options.positions(offset -> position);
        return options
                .batchSize(batch)
                .bigValueThreshold(bigValueThreshold)
                .filter((db, key, rdbType) -> {
                    boolean ok = filter.accept(db, key, ValueType.ofRdbType(rdbType));
                    if (!ok) stats.filtered.increment();
                    return ok;
                });
    }

    /** Once {@code stopWhen} says so, the next key ends the reading with {@link Stopped} instead of being written. */
    public SnapshotFeeder stopWhen(java.util.function.BooleanSupplier stopWhen) {
        this.stop = stopWhen;
        return this;
    }

    private void checkStop() {
        if (stop.getAsBoolean()) throw new Stopped();
    }

    public List<byte[]> functions() {
        return functions;
    }

    /** The AUX field {@code name} of the RDB, or null. */
    public String aux(String name) {
        for (byte[][] kv : aux) {
            if (new String(kv[0], StandardCharsets.UTF_8).equals(name)) return new String(kv[1], StandardCharsets.UTF_8);
        }
        return null;
    }

    @Override
    public void aux(byte[] name, byte[] value) {
        aux.add(new byte[][] {name, value});
    }

    @Override
    public void keyValue(KeyValue kv) {
        checkStop();
        stats.keysRead.increment();
        if (expired(kv.expireAtMs())) {
            outcomes.skipped(kv.db(), kv.key(), "already expired");
            return;
        }
        rate.acquire(1, kv.payload().length);
        int db = filter.mapDb(kv.db());
        if (db != kv.db()) kv = new KeyValue(db, kv.key(), kv.rdbType(), kv.expireAtMs(), kv.payload(), kv.rdbVersion(), kv.position());
        w.write(shard, kv);
    }

    @Override
    public void bigValueStart(BigValueStart start) {
        checkStop();
        stats.keysRead.increment();
        skippingBig = expired(start.expireAtMs());
        if (skippingBig) {
            outcomes.skipped(start.db(), start.key(), "already expired");
            return;
        }
        rate.acquire(1, 0);
        int db = filter.mapDb(start.db());
        if (db != start.db()) start = new BigValueStart(db, start.key(), start.rdbType(), start.expireAtMs(), start.position());
        w.write(shard, start);
    }

    @Override
    public void elements(ElementBatch batch) {
        if (skippingBig) return;
        rate.acquire(0, batch.size() * 16L);
        w.write(shard, batch); // the writer closes a big value at its end record's position; batches carry none it uses
    }

    @Override
    public void bigValueEnd(BigValueEnd end) {
        if (!skippingBig) w.write(shard, end);
        skippingBig = false;
    }

    @Override
    public void functionLibrary(byte[] code) {
        functions.add(code);
    }

    @Override
    public void moduleAux(long moduleId, String moduleName, long at) {
        outcomes.warned(0, ("module " + moduleName).getBytes(StandardCharsets.UTF_8),
                "module AUX data at offset " + at + " is not copied (no command writes it)");
    }

    @Override
    public void skipped(int db, byte[] key, String reason) {
        stats.keysRead.increment();
        outcomes.skipped(db, key, reason);
    }

    private boolean expired(long expireAtMs) {
        return expireAtMs > 0 && expireAtMs <= now;
    }
}
