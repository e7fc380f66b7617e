package dev.ferry.writer;

import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.Command;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.Record;
import dev.ferry.record.ShardId;
import dev.ferry.record.Transaction;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.server.ServerInfo;
import dev.ferry.util.WriteFailedException;
import dev.ferry.checkpoint.Guard;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one source shard's writing thread keeps between its records, and how each record becomes tickets and
 * commands: whole keys through {@link RecordTranslator}, big values piece by piece, live commands and
 * MULTI/EXEC blocks as {@link CommandShaper} shapes them. Once live, all the shard's commands go through one
 * connection per node (its lane), because live commands may touch several keys and only one connection keeps
 * their order; before, keys spread over the connections by slot.
 */
final class ShardWriter {
    private static final Logger log = LoggerFactory.getLogger(TargetWriter.class);

    /** What every shard's writer shares: the writer's parts. */
    record Parts(ServerInfo info, WriterOptions options, WriteListener listener, Routing routing, Tickets tickets,
                 ConnectionRecovery recovery, AdminOps admin, RunState state, Guards guards) {
    }

    private final ShardId shard;
    private final Parts parts;
    private final RecordTranslator translator;
    private final TicketEmitter emitter = new TicketEmitter();
    /** The big value being written, if any. */
    private BigValueStart bigStart;
    private KeyTicket bigTicket;
    private boolean bigSkipped;
    private volatile boolean live;
    /**
     * Position of the last record that claimed one (null: none yet), so the pieces of a split command before its
     * last claim nothing new.
     */
    private Position lastPosition;
    /**
     * After a resume: per checkpoint location ({@link Guard#location}), the last guarded write the target holds from
     * the earlier run; a live write at or before it there is already applied and is not sent again. Dropped once
     * the shard is past the newest of them.
     */
    private Map<Long, Guard> resumeGuards;
    private long resumeGuardsUntil;
    /** Live records gathered into one guarded block, not sent yet (see {@link GuardBatch}); owned by the writing thread. */
    private GuardBatch batch;
    /**
     * The writer whose block the current thread holds open: a flush or drain on that thread sends it first (a barrier
     * after a FLUSHALL drains, then writes the position; the block must be on the target by then).
     */
    private static final ThreadLocal<ShardWriter> OPEN_BATCH = new ThreadLocal<>();

    ShardWriter(ShardId shard, Parts parts) {
        this.shard = shard;
        this.parts = parts;
        this.translator = new RecordTranslator(parts.info(), parts.options());
    }

    void startLive() {
        live = true;
    }

    /** The guards an earlier run left for this shard (see {@link #resumeGuards}). */
    void resumeAfter(Map<Long, Guard> guards) {
        if (guards.isEmpty()) {
            resumeGuards = null; // none, or a new history (a full sync) in which the earlier run's guards mean nothing
            return;
        }
        resumeGuards = Map.copyOf(guards);
        resumeGuardsUntil = guards.values().stream().mapToLong(Guard::ordinal).max().orElse(-1);
    }

    /** Whether the piece of a live record at {@code guard}, into {@code location}, is on the target from an earlier run. */
    private boolean alreadyApplied(long location, Guard guard) {
        if (resumeGuards == null) return false;
        if (guard.ordinal() > resumeGuardsUntil) {
            resumeGuards = null; // every later record is past every guard
            return false;
        }
        Guard held = resumeGuards.get(location);
        return held != null && guard.atOrBefore(held);
    }

    private TicketEmitter emitter(KeyTicket ticket) {
        emitter.ticket = ticket;
        return emitter;
    }

    private KeyTicket ticket(int db, byte[] key, boolean command) {
        return parts.tickets().open(shard, db, key, live ? shard.shard() : -1, command);
    }

    void write(Record record) {
        if (batch != null && !(record instanceof Command)) sendBatch();
        if (record instanceof KeyValue kv) {
            writeKeyValue(kv);
        } else if (record instanceof BigValueStart start) {
            startBig(start);
        } else if (record instanceof ElementBatch batch) {
            if (bigStart == null) throw new IllegalStateException("elements outside a big value");
            // a big value whose connection was lost mid-way is failed; the rest of it is not sent
            if (!bigSkipped && bigTicket.failure() == null) translator.bigElements(bigStart.key(), batch, emitter(bigTicket));
        } else if (record instanceof BigValueEnd end) {
            endBig(end);
        } else if (record instanceof Command c) {
            writePieces(CommandShaper.command(parts.routing().isCluster(), c.db(), forTarget(c).parsed()), c.position());
        } else if (record instanceof Transaction t) {
            writeTransaction(t);
        }
        if (record.position() != null) lastPosition = record.position();
    }

    private void writeKeyValue(KeyValue kv) {
        if (live && kv.position() != null && alreadyApplied(parts.guards().location(kv.db(), kv.key()), new Guard(kv.position().ordinal(), 0))) {
            parts.tickets().close(ticket(-1, null, true), kv.position());
            parts.state().resumeSkipped.increment();
            return;
        }
        KeyTicket ticket = ticket(kv.db(), kv.key(), false);
        String refusal = CommandShaper.clusterDbRefusal(parts.routing().isCluster(), kv.db());
        if (refusal == null) {
            try {
                refusal = translator.keyValue(kv, emitter(ticket));
            } catch (RuntimeException e) {
                if (e instanceof RedisConnectionException || e instanceof WriteFailedException) throw e;
                refusal = "cannot decode value: " + e.getMessage();
            }
        }
        if (refusal != null) parts.tickets().unsupported(ticket, refusal);
        parts.tickets().close(ticket, kv.position());
    }

    private void startBig(BigValueStart start) {
        bigStart = start;
        bigTicket = ticket(start.db(), start.key(), false);
        String refusal = CommandShaper.clusterDbRefusal(parts.routing().isCluster(), start.db());
        bigSkipped = refusal != null;
        if (refusal != null) {
            parts.tickets().unsupported(bigTicket, refusal);
        } else {
            bigSkipped = !translator.bigStart(start, emitter(bigTicket));
        }
    }

    private void endBig(BigValueEnd end) {
        if (bigStart == null) throw new IllegalStateException("big value end without a start");
        if (!bigSkipped && bigTicket.failure() == null) translator.bigEnd(bigStart, emitter(bigTicket));
        KeyTicket t = bigTicket;
        bigStart = null;
        bigTicket = null;
        parts.tickets().close(t, end.position());
    }

    private void writeTransaction(Transaction tx) {
        List<Command> commands = tx.commands();
        if (dragonfly()) {
            commands = new java.util.ArrayList<>(commands);
            commands.replaceAll(this::forTarget);
        }
        boolean cluster = parts.routing().isCluster();
        CommandShaper.Shape shape = CommandShaper.transaction(cluster, !dragonfly(), commands);
        if (shape.nonAtomic()) {
            if (parts.state().nonAtomicTransactions.sum() == 0) {
                log.warn(cluster ? "a source MULTI/EXEC block spans hash slots; a cluster target applies such blocks command by "
                        + "command, in order, without atomicity (counted in the summary)"
                        : "a source MULTI/EXEC block spans dbs; Dragonfly cannot SELECT inside MULTI, so such blocks are "
                        + "applied command by command, in order, without atomicity (counted in the summary)");
            }
            parts.state().nonAtomicTransactions.increment();
        }
        writePieces(shape.pieces(), tx.position());
    }

    private boolean dragonfly() {
        return parts.info().engine() == ServerInfo.Engine.DRAGONFLY;
    }

    /**
     * The live command as the target takes it: on Dragonfly a TTL beyond its limit is cut to it and a stream option
     * it lacks is dropped ({@link DragonflyCommands}), each reported for the key as a warning.
     */
    private Command forTarget(Command c) {
        if (!dragonfly()) return c;
        DragonflyCommands.Rewritten r = DragonflyCommands.rewrite(parts.info(), c.parsed(), System.currentTimeMillis());
        if (r == null) return c;
        parts.listener().warned(c.db(), c.parsed().firstKey(), r.warning());
        return r.command() == c.parsed() ? c : new Command(c.db(), r.command(), c.position());
    }

    /**
     * Files and sends each piece in order; only the last claims {@code position} ({@link Position#ofPart}). Live, with
     * checkpoints on, a piece that is not a run of assignments goes with its guard in one MULTI block
     * ({@link Guards}), and after a resume a piece the target already holds is not sent again.
     */
    private void writePieces(List<CommandShaper.Piece> pieces, Position position) {
        Guards guards = parts.guards();
        boolean guarded = live && guards.on() && position != null;
        for (int i = 0; i < pieces.size(); i++) {
            CommandShaper.Piece piece = pieces.get(i);
            Position claims = Position.ofPart(i, pieces.size(), lastPosition, position);
            Guard guard = guarded ? new Guard(position.ordinal(), i) : null;
            if (guard != null && piece.refusal() == null && alreadyApplied(guards.location(piece), guard)) {
                sendBatch();
                parts.tickets().close(ticket(-1, null, true), claims);
                parts.state().resumeSkipped.increment();
                continue;
            }
            if (guard != null && piece.refusal() == null && piece.sends().size() == 1 && (batch != null || !Guards.pure(piece))) {
                batched(piece, guard, claims);
                continue;
            }
            sendBatch(); // what came before goes first
            KeyTicket t = ticket(piece.db(), piece.key(), true);
            if (piece.refusal() != null) {
                parts.tickets().unsupported(t, piece.refusal());
            } else if (guard != null && !Guards.pure(piece)) {
                List<Pending> block = guards.guarded(piece, shard, guard, t);
                t.guard(guards.reference(piece, shard, guard), block);
                emitter(t).sendBlock(block);
            } else if (piece.sends().size() > 1) { // a source MULTI/EXEC block, without checkpoints
                List<Pending> block = new java.util.ArrayList<>(piece.sends().size());
                for (CommandShaper.Send s : piece.sends()) block.add(s.pending(t));
                emitter(t).sendBlock(block);
            } else {
                for (CommandShaper.Send s : piece.sends()) emitter(t).send(s.pending(t));
            }
            parts.tickets().close(t, claims);
        }
    }

    /**
     * A live piece of one command, guarded: joins the open block when it writes the same guard location and db, else
     * starts a new one (an assignment only joins one already open). The block goes out when full, and before anything
     * else this shard sends, so the target applies everything in the source's order.
     */
    private void batched(CommandShaper.Piece piece, Guard guard, Position claims) {
        Guards guards = parts.guards();
        long location = guards.location(piece);
        int db = piece.sends().get(0).db();
        if (batch != null && !batch.accepts(location, db)) sendBatch();
        KeyTicket t = ticket(piece.db(), piece.key(), true);
        if (batch == null) {
            // one open block per thread, so a flush on it finds it: a thread writing for another shard sends that
            // shard's block first (each source shard has a thread of its own today)
            ShardWriter other = OPEN_BATCH.get();
            if (other != null && other != this) other.sendBatch();
            batch = new GuardBatch(location, db, dragonfly() ? 1 : GuardBatch.MAX_RECORDS, t);
            OPEN_BATCH.set(this);
        }
        batch.add(t, piece.sends().get(0).pending(t), guards.reference(piece, shard, guard));
        // closed now, finished only once the EXEC answers: the ticket waits for it
        parts.tickets().close(t, claims);
        if (batch.full()) sendBatch();
    }

    /** Sends the open block, if any (on the thread that opened it). */
    void sendBatch() {
        GuardBatch b = batch;
        if (b == null) return;
        batch = null;
        OPEN_BATCH.remove();
        List<Pending> block = b.close();
        parts.state().guardedBlocks.increment();
        parts.state().guardedRecords.add(b.records());
        for (Pending p : block) emitter.markWritten(p.db);
        parts.recovery().sendBlock(block);
    }

    /** Sends the block the current thread holds open, if any: before a flush or drain on that thread. */
    static void sendOpenBatch() {
        ShardWriter w = OPEN_BATCH.get();
        if (w != null) w.sendBatch();
    }

    /** The source moved on to {@code position} with nothing to write: it counts once everything before it does. */
    void advance(Position position) {
        sendBatch();
        parts.tickets().close(ticket(-1, null, true), position);
        if (position != null) lastPosition = position;
    }

    /** A source record the target cannot take: skipped and reported (or the end of the run); its position counts. */
    void refuse(int db, byte[] key, String reason, Position position) {
        sendBatch();
        KeyTicket t = ticket(db, key, true);
        parts.tickets().unsupported(t, reason);
        parts.tickets().close(t, position);
        if (position != null) lastPosition = position;
    }

    /** Sends the commands of one key (its ticket) along the key's route, waiting out route repairs. */
    private final class TicketEmitter implements RecordTranslator.Emitter {
        KeyTicket ticket;

        @Override
        public void command(int flags, byte[]... args) {
            // live, a key re-read (scan mode) is followed by the source's own commands on it: a SET sent again
            // alone after its MSET was refused would land after them, so only a snapshot's SETs are grouped
            if (live) flags &= ~Pending.GROUPABLE;
            send(new Pending(args, ticket, ticket.db, flags));
        }

        /** Dbs 0-63 this shard's writes already marked as written (the run's record of them only grows). */
        private long marked;

        void send(Pending p) {
            markWritten(p.db);
            ticket.added(p);
            parts.recovery().send(p, true);
        }

        /** Marks the db written before its first write; a db this shard marked already costs no shared read. */
        void markWritten(int db) {
            boolean low = db >= 0 && db < 64;
            if (low && (marked & (1L << db)) != 0) return;
            parts.state().markWritten(db);
            if (low) marked |= 1L << db;
        }

        /** A MULTI ... EXEC block, queued back to back so no other shard's command falls inside it. */
        void sendBlock(List<Pending> block) {
            for (Pending p : block) {
                markWritten(p.db);
                ticket.added(p);
            }
            parts.recovery().sendBlock(block);
        }

        @Override
        public boolean exists(int db, byte[] key) {
            boolean exists = parts.admin().exists(db, key);
            if (exists) ticket.answeredExists();
            return exists;
        }

        @Override
        public void warn(String message) {
            parts.listener().warned(ticket.db, ticket.key, message);
        }
    }
}
