package dev.ferry.writer;

import dev.ferry.util.WriteFailedException;

import dev.ferry.record.Confirmation;
import dev.ferry.server.ServerInfo;
import dev.ferry.server.Topology;
import dev.ferry.server.Slots;
import dev.ferry.server.NodeIdentity;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.command.CommandSafety;
import dev.ferry.command.CommandTable;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.Command;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import dev.ferry.record.Record;
import dev.ferry.record.ShardId;
import dev.ferry.command.ParsedCommand;
import dev.ferry.record.Transaction;
import dev.ferry.util.KeyNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
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
 */
public final class TargetWriter implements AutoCloseable, PipelinedConnection.ReplyHandler {
    private static final Logger log = LoggerFactory.getLogger(TargetWriter.class);
    private static final byte[] ASKING = "ASKING".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] MULTI = {"MULTI".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] EXEC = {"EXEC".getBytes(StandardCharsets.US_ASCII)};
    private static final int MAX_RETRIES = 50;

    private final WriterOptions options;
    private final WriteListener listener;
    private final ConnectOptions connectOptions;
    private final ServerInfo info;
    private volatile Topology topology;
    private final Map<HostPort, Node> nodes = new ConcurrentHashMap<>();
    /** Who each node was when Ferry last reached it: a reconnection that finds another process there is a loss. */
    private final Map<HostPort, NodeIdentity> identities = new ConcurrentHashMap<>();
    private final PositionTracker positions = new PositionTracker();
    private final Map<ShardId, ShardContext> shards = new ConcurrentHashMap<>();
    private final LongAdder keysWritten = new LongAdder();
    private final LongAdder commandsApplied = new LongAdder();
    private final LongAdder nonAtomicTransactions = new LongAdder();
    private final LongAdder keysFailed = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private volatile String fatal;
    private volatile boolean closing;
    private final RedisUri uri;
    /** Connection losses being repaired; senders wait while it is not zero, so replayed commands go first. */
    private final AtomicInteger recovering = new AtomicInteger();
    /** Senders inside a send; a repair starts only when none is, so nothing is sent into a half-repaired route. */
    private final AtomicInteger activeSenders = new AtomicInteger();
    private final Object recoveryLock = new Object();
    private final LongAdder reconnects = new LongAdder();
    /** Target dbs this writer has sent a write into (bit n: db n, for dbs below 64; the rest in the set). */
    private final java.util.concurrent.atomic.AtomicLong writtenDbs = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<Integer> writtenHighDbs = ConcurrentHashMap.newKeySet();
    /** When the last pause before re-sending refused commands ended (nanoTime): one pause serves a burst. */
    private volatile long lastRetryPause;

    /**
     * While a new record waits for the oldest ones to be confirmed, what they need may still sit in the send
     * buffer of a quiet connection: flush everything, or it would wait forever.
     */
    private final Runnable whileWaitingForConfirmations = () -> {
        checkFatal();
        flush();
    };

    /** What one shard's writing thread keeps between its records. */
    private final class ShardContext {
        final ShardId shard;
        final RecordTranslator translator = new RecordTranslator(info, options);
        final TicketEmitter emitter = new TicketEmitter();
        /** The big value being written, if any. */
        BigValueStart bigStart;
        KeyTicket bigTicket;
        boolean bigSkipped;
        volatile boolean live;
        /** Position of the last record written, so the parts of a split command before its last claim nothing new. */
        Position lastPosition;

        ShardContext(ShardId shard) {
            this.shard = shard;
        }

        TicketEmitter emitter(KeyTicket ticket) {
            emitter.ticket = ticket;
            return emitter;
        }

        KeyTicket ticket(int db, byte[] key, boolean command) {
            return newTicket(shard, db, key, live ? shard.shard() : -1, command);
        }
    }

    private TargetWriter(RedisUri uri, WriterOptions options, WriteListener listener, ConnectOptions connectOptions,
                         ServerInfo info, Topology topology) {
        this.uri = uri;
        this.options = options;
        this.listener = listener;
        this.connectOptions = connectOptions;
        this.info = info;
        this.topology = topology;
    }

    /** Connects to the target, learns what it is and its topology. Fails with a one-line message. */
    public static TargetWriter open(RedisUri uri, WriterOptions options, WriteListener listener) {
        ConnectOptions co = uri.connectOptions();
        HostPort seed = uri.kind() == RedisUri.Kind.SENTINEL ? Topology.resolveSentinelMaster(uri) : null;
        List<HostPort> seeds = seed != null ? List.of(seed) : uri.hosts();
        ServerInfo info = null;
        RedisConnectionException last = null;
        Topology topology = null;
        HostPort reached = null;
        for (HostPort h : seeds) {
            try (RespConnection c = RespConnection.open(h, co)) {
                info = Topology.probe(c);
                topology = info.cluster() ? Topology.fromClusterSlots(c, h) : Topology.single(h);
                reached = h;
                break;
            } catch (RedisConnectionException e) {
                last = e; // the next seed may answer
            }
        }
        if (info == null) throw last;
        if (uri.kind() == RedisUri.Kind.DRAGONFLY && info.engine() != ServerInfo.Engine.DRAGONFLY) {
            throw new RedisConnectionException("target " + uri.redacted() + " is " + info.describe()
                    + ", not Dragonfly: use a redis:// URI for it");
        }
        if (uri.kind() == RedisUri.Kind.CLUSTER && !info.cluster()) {
            throw new RedisConnectionException("target " + reached + " is not in cluster mode: use redis://" + reached);
        }
        if (info.cluster() && uri.db() != 0) {
            throw new RedisConnectionException("a cluster target has only db 0, not db " + uri.db());
        }
        if (options.mode() == WriterOptions.Mode.AUTO && info.engine() == ServerInfo.Engine.DRAGONFLY) {
            // Dragonfly's RESTORE does not take every Redis encoding; type commands are always understood
            options = new WriterOptions(options.connections(), options.pipeline(), options.batch(), options.replace(),
                    options.failOnError(), options.failOnUnsupported(), WriterOptions.Mode.COMMANDS, options.reconnectTimeoutMs());
        }
        TargetWriter w = new TargetWriter(uri, options, listener, co, info, topology);
        try {
            for (HostPort m : topology.masters()) {
                w.node(m);
                NodeIdentity id = w.identities.get(m);
                if (id != null && !id.isMaster()) throw new RedisConnectionException(notAMaster(uri, id));
            }
        } catch (RedisConnectionException e) {
            w.close();
            throw e;
        }
        log.info("target {}: {}, {} node(s), {} connection(s) each", uri.redacted(), info.describe(),
                topology.masters().size(), options.connections());
        return w;
    }

    public ServerInfo info() {
        return info;
    }

    /** A replica as target: whatever Ferry writes there is read-only or gone at its next sync from its master. */
    private static String notAMaster(RedisUri uri, NodeIdentity id) {
        String of = id.master() == null ? "" : " of " + id.master();
        String fix = id.master() == null ? "write to its master"
                : "write to its master (redis://" + id.master() + ")";
        return "target " + id.address() + " is a replica" + of + " (role:" + id.role() + "), not a master: Ferry writes "
                + "only to masters, since a replica refuses writes or drops them at its next sync; " + fix
                + (uri.kind() == RedisUri.Kind.SENTINEL ? "" : ", or name it through Sentinel (redis-sentinel://...)");
    }

    /** The identity of every target master, as first read (refreshed after each reconnection). */
    public List<NodeIdentity> masterIdentities() {
        List<NodeIdentity> out = new ArrayList<>();
        for (HostPort m : topology.masters()) {
            NodeIdentity id = identities.get(m);
            if (id != null) out.add(id);
        }
        return out;
    }

    private Node node(HostPort address) {
        Node n = nodes.get(address);
        if (n != null) return n;
        synchronized (nodes) {
            return nodes.computeIfAbsent(address, a -> {
                Node created = new Node(a, options.connections(), options.pipeline(), connectOptions, this, bytesSent);
                try (RespConnection c = RespConnection.open(a, connectOptions)) {
                    identities.put(a, NodeIdentity.read(c));
                } catch (RuntimeException e) {
                    created.close();
                    throw e;
                }
                return created;
            });
        }
    }

    /** The connection a ticket's commands go through: its key's node, and there its lane or its slot's share. */
    private PipelinedConnection route(KeyTicket t) {
        int slot = Slots.of(t.key);
        return connectionFor(topology.ownerOf(slot), t.lane >= 0 ? t.lane : slot);
    }

    private PipelinedConnection connectionFor(HostPort node, int spread) {
        PipelinedConnection[] conns = node(node).connections();
        return conns[spread % conns.length];
    }

    private ShardContext context(ShardId shard) {
        return shards.computeIfAbsent(shard, ShardContext::new);
    }

    /**
     * Switches {@code shard} to live writing: waits until everything written so far is confirmed, then sends all
     * its later records through one connection per node, in order.
     */
    public void startLive(ShardId shard) {
        drain();
        context(shard).live = true;
    }

    /** Writes one record of source shard {@code shard}. Throws {@link WriteFailedException} once the run must stop. */
    public void write(ShardId shard, Record record) {
        checkFatal();
        ShardContext ctx = context(shard);
        if (record instanceof KeyValue kv) {
            writeKeyValue(ctx, kv);
        } else if (record instanceof BigValueStart start) {
            startBig(ctx, start);
        } else if (record instanceof ElementBatch batch) {
            if (ctx.bigStart == null) throw new IllegalStateException("elements outside a big value");
            // a big value whose connection was lost mid-way is failed; the rest of it is not sent
            if (!ctx.bigSkipped && ctx.bigTicket.failure() == null) {
                ctx.translator.bigElements(ctx.bigStart.key(), batch, ctx.emitter(ctx.bigTicket));
            }
        } else if (record instanceof BigValueEnd end) {
            endBig(ctx, end);
        } else if (record instanceof Command c) {
            writeCommand(ctx, c.db(), c.parsed(), c.position());
        } else if (record instanceof Transaction t) {
            writeTransaction(ctx, t);
        }
        if (record.position() != null) ctx.lastPosition = record.position();
    }

    private void writeKeyValue(ShardContext ctx, KeyValue kv) {
        KeyTicket ticket = ctx.ticket(kv.db(), kv.key(), false);
        String refusal = clusterDbRefusal(kv.db());
        if (refusal == null) {
            try {
                refusal = ctx.translator.keyValue(kv, ctx.emitter(ticket));
            } catch (RuntimeException e) {
                if (e instanceof RedisConnectionException || e instanceof WriteFailedException) throw e;
                refusal = "cannot decode value: " + e.getMessage();
            }
        }
        if (refusal != null) unsupported(ticket, refusal);
        if (ticket.close(kv.position())) finish(ticket);
    }

    private void startBig(ShardContext ctx, BigValueStart start) {
        ctx.bigStart = start;
        ctx.bigTicket = ctx.ticket(start.db(), start.key(), false);
        String refusal = clusterDbRefusal(start.db());
        ctx.bigSkipped = refusal != null;
        if (refusal != null) {
            unsupported(ctx.bigTicket, refusal);
        } else {
            ctx.bigSkipped = !ctx.translator.bigStart(start, ctx.emitter(ctx.bigTicket));
        }
    }

    private void endBig(ShardContext ctx, BigValueEnd end) {
        if (ctx.bigStart == null) throw new IllegalStateException("big value end without a start");
        if (!ctx.bigSkipped && ctx.bigTicket.failure() == null) {
            ctx.translator.bigEnd(ctx.bigStart, ctx.emitter(ctx.bigTicket));
        }
        KeyTicket t = ctx.bigTicket;
        ctx.bigStart = null;
        ctx.bigTicket = null;
        if (t.close(end.position())) finish(t);
    }

    /**
     * One live command. A standalone target takes it as is; a cluster target needs its keys in one slot, so a
     * command over several slots is split where the parts do the same (MSET, DEL...) and refused otherwise.
     */
    private void writeCommand(ShardContext ctx, int db, ParsedCommand command, Position position) {
        byte[][] args = command.args();
        int[] keys = command.keyIndexes();
        if (!topology.isCluster()) {
            sendCommand(ctx, db, args, keys, position);
            return;
        }
        String refusal = clusterDbRefusal(db);
        if (refusal == null && (keys == null || keys.length == 0)) {
            refusal = "command " + name(args) + " names no key Ferry knows of, so it cannot be routed on a cluster target";
        }
        List<byte[][]> parts = refusal == null ? command.splitBySlot(Slots::of) : null;
        if (refusal == null && parts == null) {
            refusal = name(args) + " over keys in different slots has no equivalent on a cluster target";
        }
        if (refusal != null) {
            KeyTicket t = ctx.ticket(db, firstKey(args, keys), true);
            unsupported(t, refusal);
            if (t.close(position)) finish(t);
            return;
        }
        for (int i = 0; i < parts.size(); i++) {
            byte[][] part = parts.get(i);
            int[] partKeys = parts.size() == 1 ? keys : CommandTable.keyIndexes(part);
            sendCommand(ctx, db, part, partKeys, Position.ofPart(i, parts.size(), ctx.lastPosition, position));
        }
    }

    private void sendCommand(ShardContext ctx, int db, byte[][] args, int[] keys, Position position) {
        KeyTicket t = ctx.ticket(db, firstKey(args, keys), true);
        ctx.emitter(t).command(0, args);
        if (t.close(position)) finish(t);
    }

    /**
     * A source MULTI/EXEC block. Kept atomic where the target allows it: always on a standalone target, on a
     * cluster target when every key is in one slot; otherwise applied command by command, in order, and counted.
     */
    private void writeTransaction(ShardContext ctx, Transaction tx) {
        List<Command> cmds = tx.commands();
        byte[][][] args = new byte[cmds.size()][][];
        int slot = -1;
        boolean oneSlot = true;
        for (int i = 0; i < cmds.size(); i++) {
            args[i] = cmds.get(i).args();
            if (!topology.isCluster()) continue;
            int[] keys = cmds.get(i).parsed().keyIndexes();
            if (keys == null || keys.length == 0 || cmds.get(i).db() != 0) {
                oneSlot = false;
                continue;
            }
            for (int k : keys) {
                int s = Slots.of(args[i][k]);
                if (slot == -1) slot = s;
                else if (s != slot) oneSlot = false;
            }
        }
        if (cmds.isEmpty()) return;
        if (topology.isCluster() && (!oneSlot || slot == -1)) {
            if (nonAtomicTransactions.sum() == 0) {
                log.warn("a source MULTI/EXEC block spans hash slots; a cluster target applies such blocks command by "
                        + "command, in order, without atomicity (counted in the summary)");
            }
            nonAtomicTransactions.increment();
            for (int i = 0; i < cmds.size(); i++) {
                writeCommand(ctx, cmds.get(i).db(), cmds.get(i).parsed(),
                        Position.ofPart(i, cmds.size(), ctx.lastPosition, tx.position()));
            }
            return;
        }
        int first = cmds.get(0).db();
        byte[] key = cmds.get(0).parsed().firstKey();
        KeyTicket t = ctx.ticket(first, key, true);
        TicketEmitter e = ctx.emitter(t);
        e.send(first, 0, MULTI);
        for (int i = 0; i < cmds.size(); i++) e.send(cmds.get(i).db(), 0, args[i]);
        e.send(cmds.get(cmds.size() - 1).db(), Pending.CHECK_EXEC, EXEC);
        if (t.close(tx.position())) finish(t);
    }

    /**
     * The source moved on to {@code position} with nothing to write (a PING, a dropped PUBLISH, a command the
     * filters leave out): the position counts as applied once everything before it is.
     */
    public void advance(ShardId shard, Position position) {
        checkFatal();
        ShardContext ctx = context(shard);
        KeyTicket t = ctx.ticket(-1, null, true);
        if (t.close(position)) finish(t);
        if (position != null) ctx.lastPosition = position;
    }

    private static byte[] firstKey(byte[][] args, int[] keys) {
        if (keys != null && keys.length > 0) return args[keys[0]];
        return args.length > 1 ? args[1] : args[0];
    }

    private static String name(byte[][] args) {
        return new String(args[0], StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT);
    }

    private String clusterDbRefusal(int db) {
        if (topology.isCluster() && db != 0) {
            return "db " + db + " cannot be written to a cluster target (map it with --db-map " + db + "=0)";
        }
        return null;
    }

    /**
     * A source record the target cannot take (a Dragonfly-only command, say): skipped and reported, or the end of
     * the run under --on-unsupported=fail. Its position still counts as applied.
     */
    public void refuse(ShardId shard, int db, byte[] key, String reason, Position position) {
        checkFatal();
        ShardContext ctx = context(shard);
        KeyTicket t = ctx.ticket(db, key, true);
        unsupported(t, reason);
        if (t.close(position)) finish(t);
        if (position != null) ctx.lastPosition = position;
    }

    private void unsupported(KeyTicket ticket, String reason) {
        if (options.failOnUnsupported()) {
            fatal = "key " + KeyNames.quote(ticket.key) + " (db " + ticket.db + "): " + reason;
            checkFatal();
        }
        ticket.skip(reason);
    }

    private KeyTicket newTicket(ShardId shard, int db, byte[] key, int lane, boolean command) {
        try {
            return new KeyTicket(shard, positions.open(shard, whileWaitingForConfirmations), db, key, lane, command);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted");
        }
    }

    /** Sends the commands of one key (its ticket) along the key's route, waiting out route repairs. */
    private final class TicketEmitter implements RecordTranslator.Emitter {
        KeyTicket ticket;

        @Override
        public void command(int flags, byte[]... args) {
            send(ticket.db, flags, args);
        }

        void send(int db, int flags, byte[][] args) {
            markWritten(db);
            ticket.added(args);
            Pending p = new Pending(args, ticket, db, flags);
            while (true) {
                PipelinedConnection conn;
                enterSend();
                try {
                    conn = route(ticket);
                    conn.awaitWindow();
                    conn.send(p);
                    break;
                } catch (PipelinedConnection.BrokenConnectionException e) {
                    conn = e.connection();
                } finally {
                    activeSenders.decrementAndGet();
                }
                // its reply thread repairs the route; send again once that is done
                awaitNewRoute(conn, ticket);
            }
        }

        @Override
        public boolean exists(int db, byte[] key) {
            boolean exists = controlCall(key, c -> {
                if (!topology.isCluster()) c.callOk("SELECT", Integer.toString(db));
                return c.call("EXISTS".getBytes(StandardCharsets.US_ASCII), key).asLong() > 0;
            });
            if (exists) ticket.answeredExists();
            return exists;
        }

        @Override
        public void warn(String message) {
            listener.warned(ticket.db, ticket.key, message);
        }
    }

    /**
     * A synchronous call on the control connection of the node owning {@code key}'s slot; a lost connection is
     * opened again (the node may be restarting or failing over) until --reconnect-timeout.
     */
    private <T> T controlCall(byte[] key, java.util.function.Function<RespConnection, T> call) {
        long deadline = System.currentTimeMillis() + options.reconnectTimeoutMs();
        while (true) {
            try {
                RespConnection c = node(topology.ownerOf(Slots.of(key))).control();
                synchronized (c) {
                    return call.apply(c);
                }
            } catch (RedisConnectionException e) {
                if (System.currentTimeMillis() > deadline) throw e;
                sleepQuietly(100);
                if (topology.isCluster()) {
                    try {
                        refreshClusterMap();
                    } catch (RedisConnectionException ignored) {
                        // try again on the next round
                    }
                }
            }
        }
    }

    /** Accounts for a ticket whose commands have all been answered. */
    private void finish(KeyTicket t) {
        if (t.key == null) { // a position with nothing written
            positions.complete(t.shard, t.seq, t.position());
            return;
        }
        String failure = t.failure();
        if (t.skipReason() != null) {
            listener.skipped(t.db, t.key, t.skipReason());
        } else if (failure != null) {
            keysFailed.increment();
            listener.failed(t.db, t.key, failure);
            if (options.failOnError() && fatal == null) {
                fatal = "target refused key " + KeyNames.quote(t.key) + " (db " + t.db + "): " + failure;
            }
        } else if (t.existed()) {
            listener.skipped(t.db, t.key, "exists on the target (--no-replace)");
        } else if (t.command) {
            commandsApplied.increment();
        } else {
            keysWritten.increment();
        }
        positions.complete(t.shard, t.seq, t.position(), failure != null && t.skipReason() == null);
    }

    @Override
    public void onReply(PipelinedConnection from, Pending p, Reply reply) {
        if (reply instanceof Reply.Error err) {
            String code = err.code();
            if ((code.equals("MOVED") || code.equals("ASK")) && p.retries++ < MAX_RETRIES) {
                redirect(p, err.message(), code.equals("ASK"));
                return;
            }
            if (code.equals("READONLY") && p.retries++ < MAX_RETRIES) {
                // the master we write to was turned into a replica (a failover): drop this connection so the
                // command and everything after it are re-sent to the new master
                throw new PipelinedConnection.Reroute("target " + from.address() + " became a replica");
            }
            if (isTransient(code) && p.ticket != null && fatal == null
                    && refusedFor(p) < options.reconnectTimeoutMs() * 1_000_000L) {
                // a failover or a loading node: bounded by --reconnect-timeout like a lost connection
                retryLater(p, code);
                return;
            }
            if (code.equals("OOM") && p.ticket != null) {
                // eviction may free room in a moment; a target that stays full ends the run: every later write
                // would be refused too, and "confirmed" must not move past refused writes
                if (fatal == null && refusedFor(p) < OOM_GRACE_NANOS) {
                    retryLater(p, code);
                    return;
                }
                if (fatal == null) fatal = outOfMemory(from.address(), err.message());
            }
            if (p.ticket == null) {
                if (!code.equals("OK")) fatal = "target " + from.address() + " refused " + new String(p.args[0], StandardCharsets.US_ASCII) + ": " + err.message();
                return;
            }
            boolean exists = code.equals("BUSYKEY");
            if (p.ticket.answered(exists ? null : err.message(), exists)) finish(p.ticket);
            return;
        }
        if (p.ticket == null) return;
        if ((p.flags & Pending.CHECK_EXEC) != 0) {
            // EXEC answers with each command's reply: an error there failed that command only
            String error = null;
            if (reply instanceof Reply.Array a && a.items() != null) {
                for (Reply r : a.items()) if (r instanceof Reply.Error e && error == null) error = "in MULTI/EXEC: " + e.message();
            } else if (!(reply instanceof Reply.Array)) {
                error = "EXEC answered " + reply;
            }
            if (p.ticket.answered(error, false)) finish(p.ticket);
            return;
        }
        boolean exists = (p.flags & Pending.NIL_MEANS_EXISTS) != 0 && reply instanceof Reply.Bulk b && b.bytes() == null;
        if (p.ticket.answered(null, exists)) finish(p.ticket);
    }

    /** How long the target has been refusing this command (nanoseconds), starting the clock at the first refusal. */
    private static long refusedFor(Pending p) {
        long now = System.nanoTime();
        if (p.firstRefused == 0) p.firstRefused = now;
        return now - p.firstRefused;
    }

    private static boolean isTransient(String code) {
        return code.equals("TRYAGAIN") || code.equals("CLUSTERDOWN") || code.equals("LOADING") || code.equals("MASTERDOWN");
    }

    /** MOVED: the slot has a new owner, remember it; ASK: this one command goes there, after ASKING. */
    private void redirect(Pending p, String message, boolean ask) {
        String[] parts = message.split(" ");
        int slot = Integer.parseInt(parts[1]);
        String hp = parts[2];
        int colon = hp.lastIndexOf(':');
        HostPort to = new HostPort(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
        PipelinedConnection conn = connectionFor(to, slot);
        if (ask) {
            conn.sendTogether(Pending.control(new byte[][] {ASKING}), p);
        } else {
            topology.moved(slot, to);
            conn.send(p);
            conn.flush();
        }
    }

    /** How long a target that answers OOM gets to free room (by eviction) before the run stops. */
    private static final long OOM_GRACE_NANOS = 2_000_000_000L;

    private String outOfMemory(HostPort node, String error) {
        String limit = "";
        try (RespConnection c = RespConnection.open(node, connectOptions)) {
            Map<String, String> mem = Topology.info(c, "memory");
            limit = " (used_memory " + mem.getOrDefault("used_memory_human", "?") + ", maxmemory "
                    + mem.getOrDefault("maxmemory_human", "?") + ", policy " + mem.getOrDefault("maxmemory_policy", "?") + ")";
        } catch (RuntimeException e) {
            // the numbers are a courtesy; the refusal itself is what matters
        }
        return "target " + node + " is out of memory: it kept refusing writes for " + OOM_GRACE_NANOS / 1_000_000_000L
                + " s with \"" + error + "\"" + limit + ", so the target holds a partial copy. Raise its limit (CONFIG SET "
                + "maxmemory <bytes>, and in its config file) or free memory, then run Ferry again";
    }

    private void retryLater(Pending p, String code) {
        // one pause serves a whole burst of refused commands; a pause per command would hold the reply thread for
        // minutes when a thousand are in flight
        if (System.nanoTime() - lastRetryPause > 100_000_000L) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lastRetryPause = System.nanoTime();
        }
        if (code.equals("CLUSTERDOWN") && topology.isCluster()) {
            try {
                refreshClusterMap();
            } catch (RedisConnectionException e) {
                log.warn("cluster topology refresh failed: {}", e.getMessage());
            }
        }
        if (p.ticket == null) return; // housekeeping (SELECT/ASKING) is re-sent with the command it served
        PipelinedConnection conn = route(p.ticket);
        conn.send(p);
        conn.flush();
    }

    /**
     * A connection was lost (its reply thread calls this). Restores the routes — the same node again, the
     * master Sentinel now names, or the cluster's new slot owners — and sends again every unanswered command
     * that is safe to repeat, in its original order. A key whose unanswered commands are not (RPUSH, APPEND,
     * XADD after part of the key was confirmed) is failed and reported: it may be incomplete on the target.
     */
    @Override
    public void onBroken(PipelinedConnection from, String why) {
        if (closing) return;
        recovering.incrementAndGet();
        try {
            while (activeSenders.get() > 0) sleepQuietly(1);
            synchronized (recoveryLock) {
                List<Pending> todo = from.takeUnanswered();
                log.warn("{}; restoring the route and re-sending {} command(s)", why, todo.size());
                long deadline = System.currentTimeMillis() + options.reconnectTimeoutMs();
                while (true) {
                    restoreRoutes(deadline);
                    int i = 0;
                    try {
                        for (; i < todo.size(); i++) replay(todo.get(i));
                        break;
                    } catch (PipelinedConnection.BrokenConnectionException e) {
                        // the new route broke as well: what it holds unanswered came before todo[i], keep that order
                        List<Pending> again = new ArrayList<>(e.connection().takeUnanswered());
                        again.addAll(todo.subList(i, todo.size()));
                        todo = again;
                    }
                }
                reconnects.increment();
                flush();
            }
        } catch (RuntimeException e) {
            if (fatal == null) fatal = e instanceof TargetLostException ? e.getMessage() : why + "; reconnecting failed: " + e.getMessage();
        } finally {
            recovering.decrementAndGet();
        }
    }

    private void replay(Pending p) {
        if (p.ticket == null) return; // SELECT and ASKING are re-issued with the commands they served
        KeyTicket t = p.ticket;
        if (t.failure() == null && (CommandSafety.repeatable(p.args) || t.replayableFromStart())) {
            route(t).send(p);
            return;
        }
        if (t.answered("the connection was lost while this key was being written; it may be incomplete on the target", false)) {
            finish(t);
        }
    }

    /** Waits for running repairs, then counts this thread as a sender until it leaves the send. */
    private void enterSend() {
        while (true) {
            awaitRecovery();
            activeSenders.incrementAndGet();
            if (recovering.get() == 0) return;
            activeSenders.decrementAndGet();
        }
    }

    /**
     * Waits (until {@code deadline}) until every node the topology routes to answers again as a master. A node
     * reconnected to is checked for being the same server process: one that restarted (a new run_id) may have
     * lost what it confirmed, and ends the run.
     */
    private void restoreRoutes(long deadline) {
        RuntimeException last = null;
        java.util.Set<HostPort> reconnected = new java.util.HashSet<>();
        while (System.currentTimeMillis() < deadline && !closing) {
            checkFatal();
            try {
                if (uri.kind() == RedisUri.Kind.SENTINEL) {
                    HostPort master = Topology.resolveSentinelMaster(uri);
                    // during a failover Sentinel may still name the old master for a moment: ask the server
                    try (RespConnection c = RespConnection.open(master, connectOptions)) {
                        if (!"master".equals(Topology.info(c, "replication").get("role"))) {
                            throw new RedisConnectionException(master + " is not a master yet");
                        }
                    }
                    topology = Topology.single(master);
                } else if (topology.isCluster()) {
                    refreshClusterMap();
                }
                for (HostPort m : topology.masters()) {
                    Node n = node(m);
                    if (n.anyBroken()) {
                        reconnected.add(m);
                        n.repair();
                    }
                }
                for (HostPort m : topology.masters()) {
                    if (reconnected.contains(m)) {
                        checkIdentity(m);
                        reconnected.remove(m);
                    }
                }
                return;
            } catch (TargetLostException e) {
                throw e;
            } catch (RuntimeException e) {
                last = e;
                sleepQuietly(200);
            }
        }
        if (last != null) {
            throw new RedisConnectionException(last.getMessage() + " (still so after --reconnect-timeout "
                    + options.reconnectTimeoutMs() / 1000 + " s)");
        }
        throw new RedisConnectionException("gave up");
    }

    /** After a reconnection to {@code node}: still a master, and still the same process. */
    private void checkIdentity(HostPort node) {
        NodeIdentity before = identities.get(node);
        NodeIdentity now;
        try (RespConnection c = RespConnection.open(node, connectOptions)) {
            now = NodeIdentity.read(c);
        }
        if (!now.isMaster()) {
            throw new RedisConnectionException("target " + node + " is a replica" + (now.master() == null ? "" : " of " + now.master())
                    + " now, and Ferry writes only to masters");
        }
        // Same address, new process: whatever it reloaded (nothing, or an RDB/AOF of some earlier moment), Ferry
        // cannot tell that it holds every write it had confirmed. A failover moves the master to another address.
        if (now.restartedSince(before)) {
            throw new TargetLostException("target " + node + " restarted while Ferry was writing to it (its run_id changed) "
                    + "and came back with " + String.format(java.util.Locale.ROOT, "%,d", now.keys()) + " keys: the writes it "
                    + "had confirmed may be lost, so the target holds an incomplete copy. Stopping; empty the target and run "
                    + "Ferry again (ferry verify lists what is missing)");
        }
        identities.put(node, now);
    }

    /** Reads the slot map again from the URI's seeds or any node written to so far, whichever answers. */
    private void refreshClusterMap() {
        List<HostPort> seeds = new ArrayList<>(uri.hosts());
        seeds.addAll(nodes.keySet());
        topology = Topology.ofCluster(seeds, connectOptions);
    }

    private void awaitRecovery() {
        while (recovering.get() > 0) {
            checkFatal();
            sleepQuietly(1);
        }
    }

    /** The sender found {@code broken} dead: wait until the key routes to a repaired or new connection. */
    private void awaitNewRoute(PipelinedConnection broken, KeyTicket t) {
        long deadline = System.currentTimeMillis() + options.reconnectTimeoutMs() + 5_000;
        while (fatal == null && System.currentTimeMillis() < deadline) {
            if (recovering.get() == 0 && route(t) != broken) return;
            sleepQuietly(1);
        }
        checkFatal();
        throw new WriteFailedException(broken.brokenReason());
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted");
        }
    }

    private void markWritten(int db) {
        if (db < 0) return;
        if (db < 64) {
            long bit = 1L << db;
            if ((writtenDbs.get() & bit) == 0) writtenDbs.getAndUpdate(v -> v | bit);
        } else {
            writtenHighDbs.add(db);
        }
    }

    /** Whether this run has sent any write into target db {@code db}. */
    public boolean wroteTo(int db) {
        return db < 64 ? (writtenDbs.get() & (1L << db)) != 0 : writtenHighDbs.contains(db);
    }

    /** Why the writer cannot go on, or null while it can. */
    public String failure() {
        return fatal;
    }

    /** How many lost connections were restored. */
    public long reconnects() {
        return reconnects.sum();
    }

    private void checkFatal() {
        String f = fatal;
        if (f != null) throw new WriteFailedException(f);
    }

    /** Sends everything buffered. */
    public void flush() {
        for (Node n : nodes.values()) for (PipelinedConnection c : n.connections()) c.flush();
    }

    /** Sends everything and waits until every command has been answered. */
    public void drain() {
        flush();
        while (true) {
            checkFatal();
            int inFlight = recovering.get();
            for (Node n : nodes.values()) for (PipelinedConnection c : n.connections()) inFlight += c.inFlight();
            if (inFlight == 0) break;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WriteFailedException("interrupted while waiting for the target");
            }
            flush();
        }
        checkFatal();
    }

    /**
     * The highest position of {@code shard} whose records have all been answered by the target (written, or
     * refused and reported), or null: what a replica acknowledges and resumes after.
     */
    public Position committed(ShardId shard) {
        return positions.committed(shard);
    }

    /** The highest position of {@code shard} up to which every write is on the target (stops at a failed one), or null. */
    public Position confirmed(ShardId shard) {
        return positions.confirmed(shard);
    }

    /**
     * Pushes {@code shard}'s positions to {@code listener} whenever the target's answers move them (on a reply
     * thread: keep the one with the highest sequence, wake whoever waits, nothing more).
     */
    public void onConfirmed(ShardId shard, java.util.function.Consumer<Confirmation> listener) {
        positions.listen(shard, listener);
    }

    public long keysWritten() { return keysWritten.sum(); }
    /** Live commands (and MULTI/EXEC blocks) the target confirmed. */
    public long commandsApplied() { return commandsApplied.sum(); }
    /** Source MULTI/EXEC blocks a cluster target had to apply command by command. */
    public long nonAtomicTransactions() { return nonAtomicTransactions.sum(); }
    public long keysFailed() { return keysFailed.sum(); }

    public long bytesSent() {
        return bytesSent.sum();
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
        drain();
        for (HostPort m : topology.masters()) {
            RespConnection c = node(m).control();
            synchronized (c) {
                if (db >= 0 && !topology.isCluster()) c.callOk("SELECT", Integer.toString(db));
                bytesSent.add(dev.ferry.resp.RespOutput.encodedSize(args));
                Reply r = c.call(args);
                if (r.isError()) return m + ": " + r;
            }
        }
        return null;
    }

    /**
     * Waits until everything written so far is confirmed, then deletes every key of target db {@code db} that
     * {@code doomed} picks (SCAN + UNLINK on every master). Used where the source dropped a part of the data
     * Ferry cannot drop with one FLUSHDB: a cluster shard's slots, or only the keys a filter let through.
     * Returns how many keys were deleted.
     */
    public long purge(int db, Predicate<byte[]> doomed) {
        drain();
        if (topology.isCluster() && db != 0) return 0;
        long deleted = 0;
        for (HostPort m : topology.masters()) {
            RespConnection c = node(m).control();
            synchronized (c) {
                if (!topology.isCluster()) c.callOk("SELECT", Integer.toString(db));
                String cursor = "0";
                do {
                    List<Reply> page = c.callOk("SCAN", cursor, "COUNT", "1000").asList();
                    cursor = page.get(0).asText();
                    List<byte[]> batch = new ArrayList<>();
                    batch.add("UNLINK".getBytes(StandardCharsets.US_ASCII));
                    for (Reply k : page.get(1).asList()) {
                        byte[] key = ((Reply.Bulk) k).bytes();
                        if (doomed.test(key)) batch.add(key);
                    }
                    if (batch.size() > 1) deleted += c.call(batch.toArray(new byte[0][])).asLong();
                } while (!cursor.equals("0"));
            }
        }
        return deleted;
    }

    @Override
    public void close() {
        closing = true;
        List<Node> all = new ArrayList<>(nodes.values());
        for (Node n : all) n.close();
    }
}
