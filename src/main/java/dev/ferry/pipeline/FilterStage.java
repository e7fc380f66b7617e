package dev.ferry.pipeline;

import dev.ferry.command.Ascii;
import dev.ferry.command.ParsedCommand;
import dev.ferry.command.ValueType;
import dev.ferry.rdb.RdbReader;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.KeyValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a source shard's records are admitted and mapped, whatever the source (a file, a replica's
 * full sync or command stream, a scan): the filters (--db, --match, --exclude, --type), the db map, and the
 * rate limit (keys and bytes per second). Snapshot and live records of a shard go through the same instance.
 */
public final class FilterStage {
    private static final Logger log = LoggerFactory.getLogger(FilterStage.class);

    private final KeyFilter filter;
    private final RateLimiter rate;
    private final RunStats stats;
    private final String name;
    private boolean warnedPartialFilter;

    /** {@code rate}: this shard's own limiter (each shard is paced apart). */
    public FilterStage(KeyFilter filter, RateLimiter rate, RunStats stats, String name) {
        this.filter = filter;
        this.rate = rate == null ? RateLimiter.NONE : rate;
        this.stats = stats;
        this.name = name;
    }

    public KeyFilter filter() {
        return filter;
    }

    public boolean acceptsDb(int db) {
        return filter.acceptsDb(db);
    }

    public int mapDb(int db) {
        return filter.mapDb(db);
    }

    /** Whether the filters keep this key (its type unknown yet); counts it as filtered out when not. */
    public boolean wants(int db, byte[] key, ValueType type) {
        if (filter.accept(db, key, type)) return true;
        stats.filtered.increment();
        return false;
    }

    /** Reader options that apply the filters before a value is even read, counting what they leave out. */
    public RdbReader.Options readerOptions(int batch, long bigValueThreshold) {
        return new RdbReader.Options()
                .batchSize(batch)
                .bigValueThreshold(bigValueThreshold)
                .filter((db, key, rdbType) -> wants(db, key, ValueType.ofRdbType(rdbType)));
    }

    /** Waits as long as the rate limit asks before {@code keys} more keys and {@code bytes} more bytes go on. */
    public void pace(long keys, long bytes) {
        rate.acquire(keys, bytes);
    }

    /** The value in its target db. */
    public KeyValue mapped(KeyValue kv) {
        int db = filter.mapDb(kv.db());
        return db == kv.db() ? kv : new KeyValue(db, kv.key(), kv.rdbType(), kv.expireAtMs(), kv.payload(), kv.rdbVersion(), kv.position());
    }

    public BigValueStart mapped(BigValueStart start) {
        int db = filter.mapDb(start.db());
        return db == start.db() ? start : new BigValueStart(db, start.key(), start.rdbType(), start.expireAtMs(), start.position());
    }

    /**
     * A live command as the target gets it (dbs in MOVE/COPY mapped), or null when the filters leave it out. A
     * command over keys some of which the filters leave out is applied whole (said once).
     */
    public ParsedCommand command(int db, ParsedCommand cmd) {
        if (!filter.acceptsDb(db)) return null;
        ValueType type = cmd.type();
        if (!filter.acceptsType(type)) return null;
        int[] keys = cmd.keyIndexes();
        if (keys != null && keys.length > 0 && filter.narrowsKeys()) {
            int accepted = 0;
            for (int k : keys) if (filter.accept(db, cmd.args()[k], type)) accepted++;
            if (accepted == 0) return null;
            if (accepted < keys.length && !warnedPartialFilter) {
                warnedPartialFilter = true;
                log.warn("{}: a {} touches keys inside and outside --match/--exclude; it is applied whole, so the target "
                        + "can hold keys the filters leave out", name, cmd.name());
            }
        }
        return mapDbArguments(cmd);
    }

    /** MOVE key db and COPY ... DB n name source dbs: give them the target's. */
    private ParsedCommand mapDbArguments(ParsedCommand cmd) {
        int at = cmd.dbArgumentIndex();
        return at < 0 ? cmd : cmd.withArgument(at, mappedDb(cmd.args()[at]));
    }

    private byte[] mappedDb(byte[] db) {
        return Ascii.bytes(Integer.toString(filter.mapDb(Integer.parseInt(Ascii.text(db)))));
    }
}
