package dev.ferry.pipeline;

import dev.ferry.command.Ascii;
import dev.ferry.command.CommandKind;
import dev.ferry.command.ParsedCommand;
import dev.ferry.record.Command;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.record.Transaction;
import dev.ferry.source.KeyScope;
import dev.ferry.util.WriteFailedException;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one source shard's live records to the target, through the shard's {@link FilterStage}, and the
 * commands that are not about one key — FLUSHALL/FLUSHDB (only what this shard and the filters cover is
 * removed), FUNCTION and SCRIPT (every target master), SWAPDB; PING and PUBLISH are dropped. Every record's
 * position reaches the writer, written or not, so the confirmed position moves on.
 */
final class LiveApplier {
    private static final Logger log = LoggerFactory.getLogger(LiveApplier.class);
    private static final byte[] FLUSHDB = Ascii.bytes("FLUSHDB");
    private static final byte[] SWAPDB = Ascii.bytes("SWAPDB");

    /** What the appliers of a run share; {@code checkpoints} is null when the run keeps none. */
    static final class Context {
        private final TargetWriter writer;
        private final WriteListener outcomes;
        private final boolean ignoreFlush;
        private TargetOwnership ownership;
        Checkpoints checkpoints;
        /** Whether the run said once that a Dragonfly target takes no FUNCTION command. */
        private volatile boolean saidNoFunctions;

        Context(TargetWriter writer, WriteListener outcomes, boolean ignoreFlush, TargetOwnership ownership) {
            this.writer = writer;
            this.outcomes = outcomes;
            this.ignoreFlush = ignoreFlush;
            this.ownership = ownership;
        }

        TargetWriter writer() { return writer; }
        WriteListener outcomes() { return outcomes; }
        boolean ignoreFlush() { return ignoreFlush; }
        TargetOwnership ownership() { return checkpoints != null ? checkpoints.ownership() : ownership; }
    }

    private final Context ctx;
    private final TargetWriter w;
    private final ShardId shard;
    private final String name;
    private final FilterStage stage;
    private final KeyScope scope;
    private final int sourceDbs;
    /** The position of the last record handed on: what the parts of a record split here claim. */
    private Position last;

    LiveApplier(Context ctx, ShardId shard, String name, FilterStage stage, KeyScope scope, int sourceDbs) {
        this.ctx = ctx;
        this.w = ctx.writer();
        this.shard = shard;
        this.name = name;
        this.stage = stage;
        this.scope = scope;
        this.sourceDbs = Math.max(1, sourceDbs);
    }

    /** One command outside MULTI/EXEC, looked up once ({@link Command#parsed()}) for everything that follows. */
    void command(Command c) {
        ParsedCommand cmd = c.parsed();
        switch (cmd.kind()) {
            case FLUSH, FUNCTION, SCRIPT, SWAPDB -> {
                switch (cmd.kind()) {
                    case FLUSH -> flush(c.db(), cmd);
                    case SWAPDB -> swapDb(cmd.args());
                    default -> everyMaster(cmd);
                }
                advance(c.position());
                // applied outside the shard's stream and not repeatable (a second SWAPDB swaps back, a second
                // FLUSHALL would remove writes made after it): a resume must start after it
                if (ctx.checkpoints != null) ctx.checkpoints.barrier(shard.shard());
                return;
            }
            case KEYED, UNKNOWN -> {
                ParsedCommand mapped = stage.command(c.db(), cmd);
                if (mapped != null) {
                    markOtherDb(mapped);
                    // listed before it is sent: a position that covers the write then always comes with its key
                    if (ctx.checkpoints != null) ctx.checkpoints.touched(c.db(), mapped);
                    w.write(shard, new Command(stage.mapDb(c.db()), mapped, c.position()));
                    moved(c.position());
                    return;
                }
            }
            default -> { } // PING, PUBLISH, REPLCONF...: nothing to apply
        }
        advance(c.position());
    }

    /** A MULTI/EXEC block; kept as one unless it holds a command that is not about keys. */
    void transaction(List<Command> commands, Position position) {
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
            ParsedCommand mapped = stage.command(c.db(), c.parsed());
            if (mapped != null) {
                markOtherDb(mapped);
                kept.add(new Command(stage.mapDb(c.db()), mapped, position));
                if (ctx.checkpoints != null) ctx.checkpoints.touched(c.db(), mapped);
            }
        }
        if (kept.isEmpty()) {
            advance(position);
            return;
        }
        w.write(shard, kept.size() == 1 ? kept.get(0) : new Transaction(kept, position));
        moved(position);
    }

    void keyValue(KeyValue kv) {
        if (!stage.filter().accept(kv.db(), kv.key(), kv.type())) {
            advance(kv.position());
            return;
        }
        w.write(shard, stage.mapped(kv));
        moved(kv.position());
    }

    void refuse(int db, byte[] key, String reason, Position position) {
        if (!stage.acceptsDb(db)) {
            advance(position);
            return;
        }
        w.refuse(shard, stage.mapDb(db), key, reason, position);
        moved(position);
    }

    void warn(int db, byte[] key, String message) {
        if (stage.acceptsDb(db)) ctx.outcomes().warned(stage.mapDb(db), key, message);
    }

    void advance(Position position) {
        w.advance(shard, position);
        moved(position);
    }

    /**
     * MOVE and COPY ... DB write into a second target db: it holds keys Ferry wrote, so a later FLUSHALL or new full
     * sync must clear it too (the writer marks only the db a command runs in).
     */
    private void markOtherDb(ParsedCommand mapped) {
        int at = mapped.dbArgumentIndex();
        if (at >= 0) w.markWritten(Integer.parseInt(Ascii.text(mapped.args()[at])));
    }

    private void moved(Position position) {
        if (position != null) last = position;
    }

    private void flush(int db, ParsedCommand cmd) {
        boolean all = cmd.is("FLUSHALL");
        String what = all ? "FLUSHALL" : "FLUSHDB in db " + db;
        if (ctx.ignoreFlush()) {
            log.warn("{}: the source ran {}; not applied (--ignore-flush)", name, what);
            ctx.outcomes().skipped(db, Ascii.bytes(all ? "FLUSHALL" : "FLUSHDB"), "source " + what + " not applied (--ignore-flush)");
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
    void removeShardData(Integer onlyDb, String why) {
        KeyFilter filter = stage.filter();
        Set<Integer> targetDbs = new LinkedHashSet<>();
        for (int d = 0; d < sourceDbs; d++) {
            if ((onlyDb == null || onlyDb == d) && filter.acceptsDb(d)) targetDbs.add(filter.mapDb(d));
        }
        if (onlyDb != null && onlyDb >= sourceDbs && filter.acceptsDb(onlyDb)) targetDbs.add(filter.mapDb(onlyDb));
        remove(targetDbs, filter, why);
    }

    /**
     * Removes what an earlier run with other filters (a --fresh start) copied: its filters are not this run's, so
     * every key of this shard goes from the target dbs it wrote into, within what Ferry owns.
     */
    void removeEarlierCopy(Set<Integer> writtenDbs, String why) {
        remove(new LinkedHashSet<>(writtenDbs), null, why);
    }

    /** {@code filter}: only keys it keeps go (null: every key of the shard's scope). */
    private void remove(Set<Integer> targetDbs, KeyFilter filter, String why) {
        targetDbs.removeIf(tdb -> !w.wroteTo(tdb)); // nothing of ours there to remove (marked as sent, not as confirmed)
        TargetOwnership ownership = ctx.ownership();
        List<Integer> foreign = targetDbs.stream().filter(tdb -> !ownership.owns(tdb)).toList();
        if (!foreign.isEmpty()) {
            throw new WriteFailedException(name + ": " + why + "; to remove what it copied, Ferry would have to clear target "
                    + ownership.describe(foreign) + ", and it cannot tell the keys it did not write from the source's "
                    + "there. Stopping with nothing deleted: empty those target dbs and run again, or pass --target-owned "
                    + "if they hold only this source's data (Ferry then clears them)");
        }
        Checkpoints checkpoints = ctx.checkpoints;
        if (scope.all() && (filter == null || !filter.narrowsKeys())) {
            for (int tdb : targetDbs) {
                // the checkpoint hashes stay: other shards' positions and guards, and the run's identity
                String error = checkpoints != null ? w.flushDbKeeping(checkpoints.keys(), tdb) : w.onEveryMaster(tdb, FLUSHDB);
                if (error != null) ctx.outcomes().failed(tdb, FLUSHDB, "FLUSHDB on the target failed: " + error);
            }
            log.info("{}: {}; flushed target db(s) {}", name, why, targetDbs);
        } else {
            long removed = 0;
            for (int tdb : targetDbs) {
                removed += w.purge(tdb, key -> scope.owns(key) && (filter == null || filter.acceptsName(key))
                        && (checkpoints == null || !checkpoints.keys().owns(key)));
            }
            log.info("{}: {}; removed {} key(s) of this shard from target db(s) {}", name, why, removed, targetDbs);
        }
    }

    private void everyMaster(ParsedCommand cmd) {
        if (cmd.kind() == CommandKind.FUNCTION && w.info().engine() == dev.ferry.server.ServerInfo.Engine.DRAGONFLY) {
            // Dragonfly has no FUNCTION command: each one is skipped and counted, the run says why once
            if (!ctx.saidNoFunctions) {
                ctx.saidNoFunctions = true;
                log.warn("{}: the source ran {}; {} has no FUNCTION command, so function changes are not applied "
                        + "(each counted as skipped)", name, cmd.name(), w.info().describe());
            }
            ctx.outcomes().skipped(0, Ascii.bytes(cmd.name()), cmd.name() + " not applied: " + w.info().describe()
                    + " has no FUNCTION command");
            return;
        }
        String error = w.onEveryMaster(-1, cmd.args());
        if (error != null) {
            String what = cmd.name();
            ctx.outcomes().failed(0, Ascii.bytes(what), what + " failed on the target: " + error);
        }
    }

    private void swapDb(byte[][] args) {
        if (w.info().cluster()) {
            ctx.outcomes().skipped(0, SWAPDB, "SWAPDB cannot be applied to a cluster target (one db)");
            return;
        }
        int a = stage.mapDb(Integer.parseInt(Ascii.text(args[1])));
        int b = stage.mapDb(Integer.parseInt(Ascii.text(args[2])));
        // what Ferry wrote in either db is in the other one afterwards
        w.markWritten(a);
        w.markWritten(b);
        String error = w.onEveryMaster(-1, SWAPDB, Ascii.bytes(Integer.toString(a)), Ascii.bytes(Integer.toString(b)));
        if (error != null) ctx.outcomes().failed(0, SWAPDB, "SWAPDB failed on the target: " + error);
    }
}
