package dev.ferry.writer;

import dev.ferry.checkpoint.CheckpointHash;
import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.checkpoint.Guard;
import dev.ferry.record.Confirmation;
import dev.ferry.record.Position;
import dev.ferry.record.Record;
import dev.ferry.record.ShardId;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.NodeIdentity;
import dev.ferry.server.ServerInfo;
import dev.ferry.server.Topology;
import dev.ferry.util.WriteFailedException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes source records into a target (standalone, cluster or Sentinel-resolved; Redis or Dragonfly)
 * through several pipelined connections per node. All records of one key go through one connection, so
 * per-key order holds. Replies are checked one by one: an error fails only its own key. Positions are
 * committed per source shard only once the target has answered every command up to them.
 *
 * <p>A snapshot spreads its keys over the connections by slot. Once a shard turns live
 * ({@link #startLive}) all its records go through one connection per node (its lane), because live
 * commands may touch several keys and only one connection keeps their order.
 *
 * <p>{@link #write} may be called concurrently for different shards, each shard from one thread at a
 * time; replies arrive on the connections' own threads.
 *
 * <p>This class is the front over the writer's parts: {@link ShardWriter} (records into tickets and commands,
 * shaped by {@link CommandShaper}), {@link Routing} (topology, nodes, redirects), {@link ReplyDispatch} and
 * {@link Tickets} (what replies mean, and accounting), {@link Retries} (refusals that may pass),
 * {@link ConnectionRecovery} (lost connections) and {@link AdminOps} (synchronous operations).
 */
public final class TargetWriter implements AutoCloseable, PipelinedConnection.ReplyHandler {
    private static final Logger log = LoggerFactory.getLogger(TargetWriter.class);

    private final ServerInfo info;
    private final RunState state = new RunState();
    private final Routing routing;
    private final Tickets tickets;
    private final ConnectionRecovery recovery;
    private final Retries retries;
    private final ReplyDispatch replies;
    private final AdminOps admin;
    private final Guards guards;
    private final CheckpointIo checkpoints;
    private final ShardWriter.Parts parts;
    private final Map<ShardId, ShardWriter> shards = new ConcurrentHashMap<>();

    private TargetWriter(RedisUri uri, WriterOptions options, WriteListener listener, ConnectOptions connectOptions,
                         ServerInfo info, Topology topology) {
        this.info = info;
        this.routing = new Routing(uri, options, connectOptions, topology, this, state);
        // while a new record waits for the oldest ones to be confirmed, what they need may still sit in the send
        // buffer of a quiet connection: flush everything, or it would wait forever
        this.tickets = new Tickets(listener, options, state, () -> {
            state.checkFatal();
            flush();
        });
        this.guards = new Guards(topology.isCluster());
        this.checkpoints = new CheckpointIo(routing);
        this.admin = new AdminOps(routing, state, options.reconnectTimeoutMs(), this::drain);
        this.recovery = new ConnectionRecovery(routing, tickets, state, options.reconnectTimeoutMs(),
                g -> checkpoints.readField(admin, g.db(), g.key(), g.field()));
        this.retries = new Retries(new RetryPolicy(options.reconnectTimeoutMs()), new Retries.Target() {
            @Override public boolean isCluster() { return routing.isCluster(); }
            @Override public void refreshClusterMap() { routing.refreshClusterMap(); }
            @Override public void resend(Pending p) { recovery.send(p, false); }
            @Override public void failed(Pending p, String why) { tickets.answered(p, why); }
            @Override public boolean stopped() { return state.fatal() != null; }
            @Override public void flush() { routing.flush(); }
        });
        this.replies = new ReplyDispatch(routing, retries, tickets, state);
        this.parts = new ShardWriter.Parts(info, options, listener, routing, tickets, recovery, admin, state, guards);
    }

    /**
     * Connects to the target, learns what it is and its topology. Fails with a one-line message.
     *
     * <p>Right after a cluster failover (a run restarting because of one, say) the node asked for the slot map may
     * still name the demoted master: that slot map is read again until the masters it names are masters, for at
     * most {@code --reconnect-timeout}. A replica named as the target itself is refused at once.
     */
    public static TargetWriter open(RedisUri uri, WriterOptions options, WriteListener listener) {
        long deadline = System.currentTimeMillis() + Math.max(options.reconnectTimeoutMs(), 1_000);
        boolean said = false;
        int lost = 0;
        while (true) {
            try {
                return openOnce(uri, options, listener);
            } catch (dev.ferry.resp.ConnectionLostException e) {
                // a connection killed while we probe the target (CLIENT KILL, a proxy's idle reaper): a new one is
                // tried a few times, never long, as a port that always closes at once (TLS spoken there) must say so
                if (++lost >= OPEN_ATTEMPTS || System.currentTimeMillis() >= deadline) throw e;
                log.warn("target {}: {}; opening the connections again ({} of {})", uri.redacted(), e.getMessage(), lost + 1,
                        OPEN_ATTEMPTS);
                Pause.quietly(100L * lost); // bounded by OPEN_ATTEMPTS and the deadline
            } catch (Routing.StaleSlotMap e) {
                if (System.currentTimeMillis() >= deadline) {
                    throw new RedisConnectionException(e.getMessage() + " (the cluster's slot map still said so after "
                            + Math.max(options.reconnectTimeoutMs(), 1_000) / 1000 + " s of --reconnect-timeout)");
                }
                if (!said) {
                    log.warn("target {}: {}; a failover may be in progress, reading the slot map again for up to {} s",
                            uri.redacted(), e.getMessage(), Math.max(options.reconnectTimeoutMs(), 1_000) / 1000);
                    said = true;
                }
                Pause.quietly(200); // waits for the cluster to agree on its masters; bounded by deadline
            }
        }
    }

    /** How many times opening the target is tried when a connection breaks under it. */
    private static final int OPEN_ATTEMPTS = 5;

    private static TargetWriter openOnce(RedisUri uri, WriterOptions options, WriteListener listener) {
        ConnectOptions co = uri.connectOptions();
        HostPort seed = uri.kind() == RedisUri.Kind.SENTINEL ? Topology.resolveSentinelMaster(uri) : null;
        List<HostPort> seeds = seed != null ? List.of(seed) : uri.hosts();
        ServerInfo info = null;
        RedisConnectionException last = null;
        Topology topology = null;
        HostPort reached = null;
        for (HostPort h : seeds) {
            try (RespConnection c = RespConnection.open(h, co)) {
                // a Dragonfly emulating cluster mode is one node with several dbs: written to as one
                info = Topology.oneNodeIfEmulated(c, Topology.probe(c));
                topology = info.cluster() ? Topology.fromClusterSlots(c, h) : Topology.single(h);
                reached = h;
                break;
            } catch (RedisConnectionException e) {
                last = e; // the next seed may answer
            }
        }
        if (info == null) throw last;
        String refusal = refusal(uri, info, reached);
        if (refusal != null) throw new RedisConnectionException(refusal);
        TargetWriter w = new TargetWriter(uri, options, listener, co, info, topology);
        try {
            w.routing.connectMasters();
        } catch (RedisConnectionException e) {
            w.close();
            throw e;
        }
        log.info("target {}: {}, {} node(s), {} connection(s) each", uri.redacted(), info.describe(),
                topology.masters().size(), options.connections());
        return w;
    }

    /**
     * Why the target named by {@code uri}, reached at {@code reached}, cannot be written as asked, or null. A Dragonfly
     * emulating cluster mode is one node with several dbs: any db, under a cluster URI too.
     */
    static String refusal(RedisUri uri, ServerInfo info, HostPort reached) {
        if (uri.kind() == RedisUri.Kind.DRAGONFLY && info.engine() != ServerInfo.Engine.DRAGONFLY) {
            return "target " + uri.redacted() + " is " + info.describe() + ", not Dragonfly: use a redis:// URI for it";
        }
        if (uri.kind() == RedisUri.Kind.CLUSTER && !info.cluster() && !info.emulatedCluster()) {
            return "target " + reached + " is not in cluster mode: use redis://" + reached;
        }
        if (info.cluster() && uri.db() != 0) {
            return "a cluster target has only db 0, not db " + uri.db();
        }
        return null;
    }

    public ServerInfo info() {
        return info;
    }

    /** The identity of every target master, as first read (refreshed after each reconnection). */
    public List<NodeIdentity> masterIdentities() {
        return routing.masterIdentities();
    }

    private ShardWriter shard(ShardId shard) {
        // the map lookup hashes a record per written record: the lane-0 writers of the first shards sit in an array
        int i = shard.shard();
        if (shard.lane() == 0 && i < firstShards.length()) {
            ShardWriter w = firstShards.get(i);
            if (w == null) {
                w = shards.computeIfAbsent(shard, s -> new ShardWriter(s, parts));
                firstShards.set(i, w);
            }
            return w;
        }
        return shards.computeIfAbsent(shard, s -> new ShardWriter(s, parts));
    }

    private final java.util.concurrent.atomic.AtomicReferenceArray<ShardWriter> firstShards =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(64);

    /**
     * Switches {@code shard} to live writing: waits until everything written so far is confirmed, then sends all
     * its later records through one connection per node, in order.
     */
    public void startLive(ShardId shard) {
        drain();
        shard(shard).startLive();
    }

    /** Writes one record of source shard {@code shard}. Throws {@link WriteFailedException} once the run must stop. */
    public void write(ShardId shard, Record record) {
        state.checkFatal();
        shard(shard).write(record);
    }

    /**
     * The source moved on to {@code position} with nothing to write (a PING, a dropped PUBLISH, a command the
     * filters leave out): the position counts as applied once everything before it is.
     */
    public void advance(ShardId shard, Position position) {
        state.checkFatal();
        shard(shard).advance(position);
    }

    /**
     * A source record the target cannot take (a Dragonfly-only command, say): skipped and reported, or the end of
     * the run under --on-unsupported=fail. Its position still counts as applied.
     */
    public void refuse(ShardId shard, int db, byte[] key, String reason, Position position) {
        state.checkFatal();
        shard(shard).refuse(db, key, reason, position);
    }

    @Override
    public void onReply(PipelinedConnection from, Pending p, Reply reply) {
        replies.onReply(from, p, reply);
    }

    /**
     * A connection was lost (its reply thread calls this). Restores the routes and sends again what is safe to
     * repeat, before any new command; see {@link ConnectionRecovery}.
     */
    @Override
    public void onBroken(PipelinedConnection from, String why) {
        recovery.onBroken(from, why);
    }

    @Override
    public void onGroupAnswered(PipelinedConnection from, Pending[] members, Reply reply) {
        tickets.answeredAll(members);
    }

    @Override
    public void onGroupRefused(PipelinedConnection from, Pending[] members, Reply.Error error) {
        retries.alone(members, error.message(), from::release);
    }

    /** Whether this run has sent any write into target db {@code db}. */
    /**
     * Counts target db {@code db} as written by this run, where a command writes into a db other than the one it
     * runs in (MOVE, COPY ... DB, SWAPDB): the pipeline knows those, the writer only sees the command's own db.
     */
    public void markWritten(int db) {
        state.markWritten(db);
    }

    /**
     * {@code record} hears of each target db before the first write into it is sent, on the writing thread, which
     * waits for it: the checkpoint says which dbs Ferry wrote into before it does, so a crash right after the first
     * write still leaves the earlier copy known (and removed by the next run's full sync).
     */
    public void beforeFirstWriteInto(java.util.function.IntConsumer record) {
        state.beforeFirstWrite = record;
    }

    public boolean wroteTo(int db) {
        return state.wroteTo(db);
    }

    /** Why the writer cannot go on, or null while it can. */
    public String failure() {
        return state.fatal();
    }

    /** How many lost connections were restored. */
    public long reconnects() {
        return state.reconnects.sum();
    }

    /** Sends everything buffered (with the live block this thread holds open, see {@link GuardBatch}). */
    public void flush() {
        ShardWriter.sendOpenBatch();
        routing.flush();
    }

    /**
     * Sends everything and waits until every command has been answered. A live block another shard's thread is
     * still filling is not sent from here: its records are neither sent nor confirmed, and go out with that thread's
     * next flush.
     */
    public void drain() {
        flush();
        while (true) {
            state.checkFatal();
            // repairs and refused commands waiting for their pause will send again: they count as in flight
            int inFlight = recovery.repairs() + retries.waiting() + routing.inFlight();
            if (inFlight == 0) break;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WriteFailedException("interrupted while waiting for the target");
            }
            flush();
        }
        state.checkFatal();
    }

    /**
     * After the run failed: waits (at most {@code timeoutMs}) until every command already written to the target is
     * answered — those
     * sent before the failure still land or are refused, and refused ones waiting for a retry are given up — so the
     * counts and positions then say what the target holds. Returns whether everything that can still be answered
     * was, in time (commands on a lost connection cannot be: they stay unconfirmed, and are not waited for).
     */
    public boolean settle(long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() < deadline) {
            // nothing more is sent: what is queued and not flushed stays unsent (and unconfirmed), a lost
            // connection answers nothing more, and after the failure no repair replays what it held
            int inFlight = retries.waiting() + routing.awaitingReply();
            if (inFlight == 0) return true;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * The highest position of {@code shard} whose records have all been answered by the target (written, or
     * refused and reported), or null: what a replica acknowledges and resumes after.
     */
    public Position committed(ShardId shard) {
        return tickets.committed(shard);
    }

    /** The highest position of {@code shard} up to which every write is on the target (stops at a failed one), or null. */
    public Position confirmed(ShardId shard) {
        return tickets.confirmed(shard);
    }

    /**
     * Pushes {@code shard}'s positions to {@code listener} whenever the target's answers move them (on a reply
     * thread: keep the one with the highest sequence, wake whoever waits, nothing more).
     */
    public void onConfirmed(ShardId shard, Consumer<Confirmation> listener) {
        tickets.listen(shard, listener);
    }

    public long keysWritten() { return state.keysWritten.sum(); }
    /** Live commands (and MULTI/EXEC blocks) the target confirmed. */
    public long commandsApplied() { return state.commandsApplied.sum(); }
    /** Source MULTI/EXEC blocks a cluster target had to apply command by command. */
    public long nonAtomicTransactions() { return state.nonAtomicTransactions.sum(); }
    public long keysFailed() { return state.keysFailed.sum(); }

    public long bytesSent() {
        return state.bytesSent.sum();
    }

    /** What the writer is doing now, for the status endpoint (cheap: counters and each connection's queue length). */
    public WriterLoad load() {
        return new WriterLoad(keysWritten(), commandsApplied(), bytesSent(), reconnects(), routing.loads(), state.errors(),
                resumeSkipped(), guardsResolved());
    }

    /** Runs a command once on every master (FUNCTION LOAD, FLUSHALL...); returns the first error, or null. */
    public String onEveryMaster(String... args) {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) raw[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return onEveryMaster(-1, raw);
    }

    /**
     * Waits until everything written so far is confirmed, then runs a command once on every master, in db
     * {@code db} (-1: whichever); returns the first error, or null.
     */
    public String onEveryMaster(int db, byte[]... args) {
        return admin.onEveryMaster(db, args);
    }

    /**
     * Waits until everything written so far is confirmed, then deletes every key of target db {@code db} that
     * {@code doomed} picks (SCAN + UNLINK on every master). Used where the source dropped a part of the data
     * Ferry cannot drop with one FLUSHDB: a cluster shard's slots, or only the keys a filter let through.
     * Returns how many keys were deleted.
     */
    public long purge(int db, Predicate<byte[]> doomed) {
        return admin.purge(db, doomed);
    }

    /**
     * Turns checkpoint guards on: from now on every live write that is not an assignment goes with its guard in one
     * MULTI block under {@code keys} ({@link Guards}), so it is applied exactly once across lost connections and
     * restarts.
     */
    public void useCheckpoints(CheckpointKeys keys) {
        guards.use(keys);
        routing.stopOnFailover();
    }

    /**
     * Why the run stopped for a target failover, or null: the new master may lack writes the old one confirmed, and a
     * run with checkpoints continues from the checkpoints the new master holds (a new run, in the same process).
     */
    public String failedOver() {
        return state.failedOver;
    }

    /**
     * Before a run says it is complete: asks Sentinel or the cluster whether the masters written to are still the
     * masters. An old master keeps answering OK for a moment after its replica was promoted, and what it took then
     * is lost with its demotion; a run that ended inside that moment learns of it here. Returns the failover's reason
     * (also {@link #failedOver()}), or null; a source of no answer (Sentinel unreachable) is no failover.
     */
    public String confirmMasters() {
        try {
            return routing.checkMasters();
        } catch (RuntimeException e) {
            log.warn("could not ask who the target's masters are now ({}): the run ends on what it saw", e.getMessage());
            return null;
        }
    }

    /**
     * The guards an earlier run left for {@code shard}, by {@link Guard#location}: live writes they cover are skipped.
     * Empty: none (again) — a full sync of the shard begins a new history, whose values they must not skip.
     */
    public void resumeAfter(ShardId shard, Map<Long, Guard> held) {
        shard(shard).resumeAfter(held);
    }

    /** The checkpoint location (db and slot) of {@code key} in target db {@code db}. */
    public long checkpointLocation(int db, byte[] key) {
        return guards.location(db, key);
    }

    /** Every checkpoint hash under {@code keys} in target dbs {@code dbs}, from every master. */
    public List<CheckpointHash> readCheckpoints(CheckpointKeys keys, Collection<Integer> dbs) {
        return repeatingCheckpointOp(() -> checkpoints.read(keys, dbs));
    }

    /**
     * Runs a checkpoint operation that touches keys of every slot, each of which may safely run twice (reads, HSETs
     * of the same values, deletes of fields): while a cluster's slots move (a failover just happened,
     * MOVED/TRYAGAIN/CLUSTERDOWN), reads the slot map again and retries; a control connection that broke under it
     * is opened again and the operation retried; both until --reconnect-timeout.
     */
    private <T> T repeatingCheckpointOp(java.util.function.Supplier<T> op) {
        long deadline = System.currentTimeMillis() + parts.options().reconnectTimeoutMs();
        while (true) {
            try {
                return op.get();
            } catch (dev.ferry.resp.ConnectionLostException e) {
                if (System.currentTimeMillis() > deadline) throw e;
                log.info("{}; writing or reading Ferry's checkpoint again on a new connection", e.getMessage());
                Pause.quietly(100); // Node.control() opens a new connection for a closed one; bounded by the deadline
            } catch (RedisConnectionException e) {
                String m = String.valueOf(e.getMessage());
                boolean moving = m.contains("MOVED") || m.contains("TRYAGAIN") || m.contains("CLUSTERDOWN") || m.contains("ASK");
                if (!routing.isCluster() || !moving || System.currentTimeMillis() > deadline) throw e;
                log.info("{}: the cluster's slots are moving; reading its slot map again", m);
                Pause.quietly(200);
                try {
                    routing.refreshClusterMap();
                } catch (RedisConnectionException ignored) {
                    // the next round tries again, until the deadline
                }
            }
        }
    }

    /**
     * Writes fields into the checkpoint hash of every master; the caller makes sure what they say is true (every
     * write up to a position written is answered). Returns the first error, or null.
     */
    public String writeCheckpoint(CheckpointKeys keys, byte[]... fieldsAndValues) {
        return repeatingCheckpointOp(() -> checkpoints.writeEveryMaster(keys, fieldsAndValues));
    }

    /** The checkpoint hash of each master that holds the shards' positions and the run-wide fields. */
    public List<CheckpointHash> readRunCheckpoints(CheckpointKeys keys) {
        return repeatingCheckpointOp(() -> checkpoints.readEveryMaster(keys));
    }

    /**
     * One field of the checkpoint hash Ferry writes run-wide fields into first (slot 0's key, db 0): the one
     * {@link #writeCheckpoint} writes on the master owning slot 0. Null when absent.
     */
    public String readCheckpointField(CheckpointKeys keys, byte[] field) {
        return repeatingCheckpointOp(() -> checkpoints.readField(admin, 0, keys.key(0), field));
    }

    /** Removes {@code fields} from every checkpoint hash in {@code dbs}; with no field, the hashes themselves. */
    public void deleteCheckpoints(CheckpointKeys keys, Collection<Integer> dbs, byte[]... fields) {
        repeatingCheckpointOp(() -> {
            checkpoints.delete(keys, dbs, fields);
            return null;
        });
    }

    /**
     * FLUSHDB of target db {@code db} on every master, keeping the checkpoint hashes there (other shards' positions
     * and guards, the run's identity): read before, written back after, with nothing else in flight. Returns the
     * first error, or null.
     */
    public String flushDbKeeping(CheckpointKeys keys, int db) {
        drain();
        List<CheckpointHash> kept = checkpoints.read(keys, List.of(db));
        String error = admin.onEveryMaster(db, "FLUSHDB".getBytes(StandardCharsets.US_ASCII));
        if (error != null) return error;
        checkpoints.restore(keys, kept);
        return null;
    }

    /** Live writes of a resumed run not sent again: the target held them from the earlier run. */
    public long resumeSkipped() {
        return state.resumeSkipped.sum();
    }

    /** Guarded blocks of live records sent, and the records they held. */
    long guardedBlocks() {
        return state.guardedBlocks.sum();
    }

    long guardedRecords() {
        return state.guardedRecords.sum();
    }

    /** Guarded writes left unanswered by a lost connection and settled by their guard (found applied, or sent again). */
    public long guardsResolved() {
        return state.guardsResolved.sum();
    }

    @Override
    public void close() {
        state.close();
        retries.close();
        routing.close();
    }
}
