package dev.ferry.pipeline;

import dev.ferry.command.Ascii;
import dev.ferry.command.CommandKind;
import dev.ferry.command.ParsedCommand;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.record.Command;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Transaction;
import dev.ferry.command.ValueType;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteFailedException;
import dev.ferry.writer.WriteListener;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
    private static final byte[] FLUSHDB = Ascii.bytes("FLUSHDB");
    private static final byte[] SWAPDB = Ascii.bytes("SWAPDB");

    private final TargetWriter w;
    private final ShardId shard;
    private final String name;
    private final KeyFilter filter;
    private final WriteListener outcomes;
    private final KeyScope scope;
    private final boolean ignoreFlush;
    private final int sourceDbs;
    private final TargetOwnership ownership;
    private Position last;
    private boolean warnedPartialFilter;

    public LiveApplier(TargetWriter w, ShardId shard, String name, KeyFilter filter, WriteListener outcomes, KeyScope scope,
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

    /** One command outside MULTI/EXEC, in source db {@code db}; {@code position} is where the source stands after it. */
    public void command(int db, byte[][] args, Position position) {
        command(new Command(db, args, position));
    }

    /** One command outside MULTI/EXEC, looked up once ({@link Command#parsed()}) for everything that follows. */
    public void command(Command c) {
        ParsedCommand cmd = c.parsed();
        switch (cmd.kind()) {
            case FLUSH -> flush(c.db(), cmd);
            case FUNCTION, SCRIPT -> everyMaster(cmd);
            case SWAPDB -> swapDb(cmd.args());
            case KEYED, UNKNOWN -> {
                ParsedCommand mapped = wanted(c.db(), cmd);
                if (mapped != null) {
                    w.write(shard, new Command(filter.mapDb(c.db()), mapped, c.position()));
                    moved(c.position());
                    return;
                }
            }
            default -> { } // PING, PUBLISH, REPLCONF...: nothing to apply
        }
        advance(c.position());
    }

    /** A MULTI/EXEC block; kept as one unless it holds a command that is not about keys. */
    public void transaction(List<Command> commands, Position position) {
        for (Command c : commands) {
            CommandKind k = c.parsed().kind();
            if (k != CommandKind.KEYED && k != CommandKind.UNKNOWN) {
                for (int i = 0; i < commands.size(); i++) {
                    Command ci = commands.get(i);
                    command(new Command(ci.db(), ci.parsed(), Position.ofPart(i, commands.size(), last, position)));
                }
                return;
            }
        }
        List<Command> kept = new ArrayList<>(commands.size());
        for (Command c : commands) {
            ParsedCommand mapped = wanted(c.db(), c.parsed());
            if (mapped != null) kept.add(new Command(filter.mapDb(c.db()), mapped, position));
        }
        if (kept.isEmpty()) {
            advance(position);
        } else if (kept.size() == 1) {
            w.write(shard, kept.get(0));
            moved(position);
        } else {
            w.write(shard, new Transaction(kept, position));
            moved(position);
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
        moved(kv.position());
    }

    /** A command the target has no equivalent for: reported (or the run stops, per --on-unsupported). */
    public void refuse(int db, byte[] key, String reason, Position position) {
        if (!filter.acceptsDb(db)) {
            advance(position);
            return;
        }
        w.refuse(shard, filter.mapDb(db), key, reason, position);
        moved(position);
    }

    /** The key is written, but not exactly as the source holds it. */
    public void warn(int db, byte[] key, String message) {
        if (filter.acceptsDb(db)) outcomes.warned(filter.mapDb(db), key, message);
    }

    /** Moves this shard's position without writing (a record that changes nothing on the target). */
    public void skip(Position position) {
        advance(position);
    }

    private void advance(Position position) {
        w.advance(shard, position);
        moved(position);
    }

    private void moved(Position position) {
        if (position != null) last = position;
    }

    /** The command as the target gets it (dbs in MOVE/COPY mapped), or null when the filters leave it out. */
    private ParsedCommand wanted(int db, ParsedCommand cmd) {
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
        byte[][] args = cmd.args();
        if (cmd.is("MOVE") && args.length == 3) {
            return cmd.withArgument(2, Ascii.bytes(Integer.toString(filter.mapDb(Integer.parseInt(Ascii.text(args[2]))))));
        }
        if (cmd.is("COPY")) {
            for (int i = 3; i + 1 < args.length; i++) {
                if (Ascii.is(args[i], "DB")) {
                    return cmd.withArgument(i + 1, Ascii.bytes(Integer.toString(filter.mapDb(Integer.parseInt(Ascii.text(args[i + 1]))))));
                }
            }
        }
        return cmd;
    }

    private void flush(int db, ParsedCommand cmd) {
        boolean all = cmd.is("FLUSHALL");
        String what = all ? "FLUSHALL" : "FLUSHDB in db " + db;
        if (ignoreFlush) {
            log.warn("{}: the source ran {}; not applied (--ignore-flush)", name, what);
            outcomes.skipped(db, Ascii.bytes(all ? "FLUSHALL" : "FLUSHDB"), "source " + what + " not applied (--ignore-flush)");
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

    private void everyMaster(ParsedCommand cmd) {
        String error = w.onEveryMaster(-1, cmd.args());
        if (error != null) {
            String what = cmd.name();
            outcomes.failed(0, Ascii.bytes(what), what + " failed on the target: " + error);
        }
    }

    private void swapDb(byte[][] args) {
        if (w.info().cluster()) {
            outcomes.skipped(0, SWAPDB, "SWAPDB cannot be applied to a cluster target (one db)");
            return;
        }
        int a = filter.mapDb(Integer.parseInt(Ascii.text(args[1])));
        int b = filter.mapDb(Integer.parseInt(Ascii.text(args[2])));
        String error = w.onEveryMaster(-1, SWAPDB, Ascii.bytes(Integer.toString(a)), Ascii.bytes(Integer.toString(b)));
        if (error != null) outcomes.failed(0, SWAPDB, "SWAPDB failed on the target: " + error);
    }
}
