package dev.ferry.pipeline;

import dev.ferry.command.CommandKind;
import dev.ferry.command.CommandTable;
import dev.ferry.record.Command;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Transaction;
import dev.ferry.record.ValueType;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteFailedException;
import dev.ferry.writer.WriteListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one source shard's live commands to the target: filters and the db map as for a snapshot, and the
 * commands that are not about one key — FLUSHALL/FLUSHDB (only what this shard and the filters cover is
 * removed), FUNCTION and SCRIPT (every target master), SWAPDB, MOVE/COPY into mapped dbs; PING and PUBLISH
 * are dropped. Every command's position reaches the writer, written or not, so the applied offset moves on.
 */
public final class LiveApplier {
    private static final Logger log = LoggerFactory.getLogger(LiveApplier.class);
    private static final byte[] FLUSHDB = bytes("FLUSHDB");

    private final TargetWriter w;
    private final int shard;
    private final String name;
    private final KeyFilter filter;
    private final WriteListener outcomes;
    private final KeyScope scope;
    private final boolean ignoreFlush;
    private final int sourceDbs;
    private final TargetOwnership ownership;
    private long last = -1;
    private boolean warnedPartialFilter;

    public LiveApplier(TargetWriter w, int shard, String name, KeyFilter filter, WriteListener outcomes, KeyScope scope,
                       boolean ignoreFlush, int sourceDbs, TargetOwnership ownership) {
        this.w = w;
        this.shard = shard;
        this.name = name;
        this.filter = filter;
        this.outcomes = outcomes;
        this.scope = scope;
        this.ignoreFlush = ignoreFlush;
        this.sourceDbs = Math.max(1, sourceDbs);
        this.ownership = ownership;
    }

    /** One command outside MULTI/EXEC, in source db {@code db}; {@code position} is the offset right after it. */
    public void command(int db, byte[][] args, long position) {
        CommandKind kind = CommandTable.kind(args);
        switch (kind) {
            case FLUSH -> flush(db, args);
            case FUNCTION, SCRIPT -> everyMaster(args);
            case SWAPDB -> swapDb(args);
            case KEYED, UNKNOWN -> {
                byte[][] mapped = wanted(db, args);
                if (mapped != null) {
                    w.write(shard, new Command(filter.mapDb(db), mapped, position));
                    last = position;
                    return;
                }
            }
            default -> { } // PING, PUBLISH, REPLCONF...: nothing to apply
        }
        advance(position);
    }

    /** A MULTI/EXEC block; kept as one unless it holds a command that is not about keys. */
    public void transaction(List<Command> commands, long position) {
        for (Command c : commands) {
            CommandKind k = CommandTable.kind(c.args());
            if (k != CommandKind.KEYED && k != CommandKind.UNKNOWN) {
                for (int i = 0; i < commands.size(); i++) {
                    Command ci = commands.get(i);
                    command(ci.db(), ci.args(), i == commands.size() - 1 ? position : Math.max(last, 0));
                }
                return;
            }
        }
        List<Command> kept = new ArrayList<>(commands.size());
        for (Command c : commands) {
            byte[][] mapped = wanted(c.db(), c.args());
            if (mapped != null) kept.add(new Command(filter.mapDb(c.db()), mapped, position));
        }
        if (kept.isEmpty()) {
            advance(position);
        } else if (kept.size() == 1) {
            w.write(shard, new Command(kept.get(0).db(), kept.get(0).args(), position));
            last = position;
        } else {
            w.write(shard, new Transaction(kept, position));
            last = position;
        }
    }

    /** A whole value in the live stream (Dragonfly journals a cross-shard RENAME as DEL + RESTORE). */
    public void keyValue(KeyValue kv) {
        if (!filter.acceptsDb(kv.db()) || !filter.accept(kv.db(), kv.key(), kv.type())) {
            advance(kv.position());
            return;
        }
        w.write(shard, new KeyValue(filter.mapDb(kv.db()), kv.key(), kv.rdbType(), kv.expireAtMs(), kv.payload(),
                kv.rdbVersion(), kv.position()));
        last = kv.position();
    }

    /** A command the target has no equivalent for: reported (or the run stops, per --on-unsupported). */
    public void refuse(int db, byte[] key, String reason, long position) {
        if (!filter.acceptsDb(db)) {
            advance(position);
            return;
        }
        w.refuse(shard, filter.mapDb(db), key, reason, position);
        last = position;
    }

    /** The key is written, but not exactly as the source holds it. */
    public void warn(int db, byte[] key, String message) {
        if (filter.acceptsDb(db)) outcomes.warned(filter.mapDb(db), key, message);
    }

    /** Moves this shard's position without writing (a record that changes nothing on the target). */
    public void skip(long position) {
        advance(position);
    }

    private void advance(long position) {
        w.advance(shard, position);
        last = position;
    }

    /** The command as the target gets it (dbs in MOVE/COPY mapped), or null when the filters leave it out. */
    private byte[][] wanted(int db, byte[][] args) {
        if (!filter.acceptsDb(db)) return null;
        ValueType type = CommandTable.valueType(args);
        if (!filter.acceptsType(type)) return null;
        int[] keys = CommandTable.keyIndexes(args);
        if (keys != null && keys.length > 0 && filter.narrowsKeys()) {
            int accepted = 0;
            for (int k : keys) if (filter.accept(db, args[k], type)) accepted++;
            if (accepted == 0) return null;
            if (accepted < keys.length && !warnedPartialFilter) {
                warnedPartialFilter = true;
                log.warn("{}: a {} touches keys inside and outside --match/--exclude; it is applied whole, so the target "
                        + "can hold keys the filters leave out", name, upper(args[0]));
            }
        }
        return mapDbArguments(args);
    }

    /** MOVE key db and COPY ... DB n name source dbs: give them the target's. */
    private byte[][] mapDbArguments(byte[][] args) {
        String cmd = upper(args[0]);
        if (cmd.equals("MOVE") && args.length == 3) {
            byte[][] out = args.clone();
            out[2] = bytes(Integer.toString(filter.mapDb(Integer.parseInt(ascii(args[2])))));
            return out;
        }
        if (cmd.equals("COPY")) {
            for (int i = 3; i + 1 < args.length; i++) {
                if (upper(args[i]).equals("DB")) {
                    byte[][] out = args.clone();
                    out[i + 1] = bytes(Integer.toString(filter.mapDb(Integer.parseInt(ascii(args[i + 1])))));
                    return out;
                }
            }
        }
        return args;
    }

    private void flush(int db, byte[][] args) {
        boolean all = upper(args[0]).equals("FLUSHALL");
        String what = all ? "FLUSHALL" : "FLUSHDB in db " + db;
        if (ignoreFlush) {
            log.warn("{}: the source ran {}; not applied (--ignore-flush)", name, what);
            outcomes.skipped(db, bytes(all ? "FLUSHALL" : "FLUSHDB"), "source " + what + " not applied (--ignore-flush)");
            return;
        }
        removeShardData(all ? null : db, "the source ran " + what);
    }

    /**
     * Removes from the target what this shard copied: in db {@code onlyDb} (null: every db). One FLUSHDB per target
     * db where the shard is the whole source and no filter narrows the keys; else key by key. Only target dbs
     * this run wrote into, and only those Ferry owns ({@link TargetOwnership}): where another db would need
     * clearing, the run stops with nothing deleted.
     */
    public void removeShardData(Integer onlyDb, String why) {
        Set<Integer> targetDbs = new LinkedHashSet<>();
        for (int d = 0; d < sourceDbs; d++) {
            if ((onlyDb == null || onlyDb == d) && filter.acceptsDb(d)) targetDbs.add(filter.mapDb(d));
        }
        if (onlyDb != null && onlyDb >= sourceDbs && filter.acceptsDb(onlyDb)) targetDbs.add(filter.mapDb(onlyDb));
        targetDbs.removeIf(tdb -> !w.wroteTo(tdb)); // nothing of ours there to remove (marked as sent, not as confirmed)
        List<Integer> foreign = targetDbs.stream().filter(tdb -> !ownership.owns(tdb)).toList();
        if (!foreign.isEmpty()) {
            throw new WriteFailedException(name + ": " + why + "; to remove what it copied, Ferry would have to clear target "
                    + ownership.describe(foreign) + ", and it cannot tell the keys it did not write from the source's "
                    + "there. Stopping with nothing deleted: empty those target dbs and run again, or pass --target-owned "
                    + "if they hold only this source's data (Ferry then clears them)");
        }
        if (scope.all() && !filter.narrowsKeys()) {
            for (int tdb : targetDbs) {
                String error = w.onEveryMaster(tdb, FLUSHDB);
                if (error != null) outcomes.failed(tdb, FLUSHDB, "FLUSHDB on the target failed: " + error);
            }
            log.info("{}: {}; flushed target db(s) {}", name, why, targetDbs);
        } else {
            long removed = 0;
            for (int tdb : targetDbs) removed += w.purge(tdb, key -> scope.owns(key) && filter.acceptsName(key));
            log.info("{}: {}; removed {} key(s) of this shard from target db(s) {}", name, why, removed, targetDbs);
        }
    }

    private void everyMaster(byte[][] args) {
        String error = w.onEveryMaster(-1, args);
        if (error != null) {
            String what = upper(args[0]) + (args.length > 1 ? " " + upper(args[1]) : "");
            outcomes.failed(0, bytes(what), what + " failed on the target: " + error);
        }
    }

    private void swapDb(byte[][] args) {
        if (w.info().cluster()) {
            outcomes.skipped(0, bytes("SWAPDB"), "SWAPDB cannot be applied to a cluster target (one db)");
            return;
        }
        int a = filter.mapDb(Integer.parseInt(ascii(args[1])));
        int b = filter.mapDb(Integer.parseInt(ascii(args[2])));
        String error = w.onEveryMaster(-1, bytes("SWAPDB"), bytes(Integer.toString(a)), bytes(Integer.toString(b)));
        if (error != null) outcomes.failed(0, bytes("SWAPDB"), "SWAPDB failed on the target: " + error);
    }

    private static String upper(byte[] b) {
        return new String(b, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
