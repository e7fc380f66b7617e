package dev.ferry.target;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Record;
import dev.ferry.util.KeyNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes source records into a target (standalone, cluster or Sentinel-resolved; Redis or Dragonfly)
 * through several pipelined connections per node. All records of one key go through one connection, so
 * per-key order holds. Replies are checked one by one: an error fails only its own key. Positions are
 * committed per source shard only once the target has answered every command up to them.
 *
 * <p>{@link #write} is called from one source thread at a time per shard; replies arrive on the
 * connections' own threads.
 */
public final class TargetWriter implements AutoCloseable, PipelinedConnection.ReplyHandler {
    private static final Logger log = LoggerFactory.getLogger(TargetWriter.class);
    private static final byte[] ASKING = "ASKING".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_RETRIES = 50;

    private final WriterOptions options;
    private final WriteListener listener;
    private final ConnectOptions connectOptions;
    private final TargetInfo info;
    private volatile Topology topology;
    private final Map<HostPort, Node> nodes = new ConcurrentHashMap<>();
    private final PositionTracker positions = new PositionTracker();
    private final RecordTranslator translator;
    private final LongAdder keysWritten = new LongAdder();
    private final LongAdder keysSkipped = new LongAdder();
    private final LongAdder keysFailed = new LongAdder();
    private final LongAdder commands = new LongAdder();
    private volatile String fatal;
    private volatile boolean closing;

    /** The big value being written, if any: its ticket and connection stay fixed until its end. */
    private BigValueStart bigStart;
    private KeyTicket bigTicket;
    private PipelinedConnection bigConn;
    private boolean bigSkipped;

    private final class Node {
        final HostPort address;
        final PipelinedConnection[] conns;
        private RespConnection control;

        Node(HostPort address) {
            this.address = address;
            this.conns = new PipelinedConnection[options.connections()];
            for (int i = 0; i < conns.length; i++) {
                conns[i] = new PipelinedConnection(RespConnection.open(address, connectOptions), options.pipeline(),
                        TargetWriter.this, "ferry-target-" + address + "-" + i);
            }
        }

        synchronized RespConnection control() {
            if (control == null) control = RespConnection.open(address, connectOptions);
            return control;
        }

        void close() {
            for (PipelinedConnection c : conns) c.close();
            synchronized (this) {
                if (control != null) control.close();
            }
        }
    }

    private TargetWriter(WriterOptions options, WriteListener listener, ConnectOptions connectOptions,
                         TargetInfo info, Topology topology) {
        this.options = options;
        this.listener = listener;
        this.connectOptions = connectOptions;
        this.info = info;
        this.topology = topology;
        this.translator = new RecordTranslator(info, options);
    }

    /** Connects to the target, learns what it is and its topology. Fails with a one-line message. */
    public static TargetWriter open(RedisUri uri, WriterOptions options, WriteListener listener) {
        ConnectOptions co = uri.connectOptions();
        HostPort seed = uri.kind() == RedisUri.Kind.SENTINEL ? Topology.resolveSentinelMaster(uri) : null;
        List<HostPort> seeds = seed != null ? List.of(seed) : uri.hosts();
        TargetInfo info = null;
        RedisConnectionException last = null;
        Topology topology = null;
        for (HostPort h : seeds) {
            try (RespConnection c = RespConnection.open(h, co)) {
                info = Topology.probe(c);
                if (uri.kind() == RedisUri.Kind.DRAGONFLY && info.engine() != TargetInfo.Engine.DRAGONFLY) {
                    throw new RedisConnectionException("target " + uri.redacted() + " is " + info.describe()
                            + ", not Dragonfly: use a redis:// URI for it");
                }
                if (uri.kind() == RedisUri.Kind.CLUSTER && !info.cluster()) {
                    throw new RedisConnectionException("target " + h + " is not in cluster mode: use redis://" + h);
                }
                topology = info.cluster() ? Topology.fromClusterSlots(c, h) : Topology.single(h);
                if (info.cluster() && uri.db() != 0) {
                    throw new RedisConnectionException("a cluster target has only db 0, not db " + uri.db());
                }
                break;
            } catch (RedisConnectionException e) {
                if (e.getMessage().startsWith("target ") || e.getMessage().startsWith("a cluster")) throw e;
                last = e;
            }
        }
        if (info == null) throw last;
        if (options.mode() == WriterOptions.Mode.AUTO && info.engine() == TargetInfo.Engine.DRAGONFLY) {
            // Dragonfly's RESTORE does not take every Redis encoding; type commands are always understood
            options = new WriterOptions(options.connections(), options.pipeline(), options.batch(), options.replace(),
                    options.failOnError(), options.failOnUnsupported(), WriterOptions.Mode.COMMANDS);
        }
        TargetWriter w = new TargetWriter(options, listener, co, info, topology);
        try {
            for (HostPort m : topology.masters()) w.node(m);
        } catch (RedisConnectionException e) {
            w.close();
            throw e;
        }
        log.info("target {}: {}, {} node(s), {} connection(s) each", uri.redacted(), info.describe(),
                topology.masters().size(), options.connections());
        return w;
    }

    public TargetInfo info() {
        return info;
    }

    public boolean isCluster() {
        return topology.isCluster();
    }

    private Node node(HostPort address) {
        Node n = nodes.get(address);
        if (n != null) return n;
        synchronized (nodes) {
            return nodes.computeIfAbsent(address, Node::new);
        }
    }

    private PipelinedConnection route(byte[] key) {
        int slot = Slots.of(key);
        return connectionFor(topology.ownerOf(slot), slot);
    }

    private PipelinedConnection connectionFor(HostPort node, int slot) {
        PipelinedConnection[] conns = node(node).conns;
        return conns[slot % conns.length];
    }

    /** Writes one record of source shard {@code shard}. Throws {@link WriteFailedException} once the run must stop. */
    public void write(int shard, Record record) {
        checkFatal();
        if (record instanceof KeyValue kv) {
            writeKeyValue(shard, kv);
        } else if (record instanceof BigValueStart start) {
            startBig(shard, start);
        } else if (record instanceof ElementBatch batch) {
            if (bigStart == null) throw new IllegalStateException("elements outside a big value");
            if (!bigSkipped) translator.bigElements(bigStart.key(), batch, emitter(bigConn, bigTicket));
        } else if (record instanceof BigValueEnd end) {
            endBig(end);
        }
    }

    private void writeKeyValue(int shard, KeyValue kv) {
        KeyTicket ticket = newTicket(shard, kv.db(), kv.key());
        String refusal = clusterDbRefusal(kv.db());
        if (refusal == null) {
            try {
                refusal = translator.keyValue(kv, emitter(route(kv.key()), ticket));
            } catch (RuntimeException e) {
                if (e instanceof RedisConnectionException || e instanceof WriteFailedException) throw e;
                refusal = "cannot decode value: " + e.getMessage();
            }
        }
        if (refusal != null) unsupported(ticket, refusal);
        if (ticket.close(kv.position())) finish(ticket);
    }

    private void startBig(int shard, BigValueStart start) {
        bigStart = start;
        bigTicket = newTicket(shard, start.db(), start.key());
        bigConn = route(start.key());
        String refusal = clusterDbRefusal(start.db());
        bigSkipped = refusal != null;
        if (refusal != null) {
            unsupported(bigTicket, refusal);
        } else {
            bigSkipped = !translator.bigStart(start, emitter(bigConn, bigTicket));
        }
    }

    private void endBig(BigValueEnd end) {
        if (bigStart == null) throw new IllegalStateException("big value end without a start");
        if (!bigSkipped) {
            translator.bigEnd(bigStart, emitter(bigConn, bigTicket));
        }
        KeyTicket t = bigTicket;
        bigStart = null;
        bigTicket = null;
        bigConn = null;
        if (t.close(end.position())) finish(t);
    }

    private String clusterDbRefusal(int db) {
        if (topology.isCluster() && db != 0) {
            return "db " + db + " cannot be written to a cluster target (map it with --db-map " + db + "=0)";
        }
        return null;
    }

    private void unsupported(KeyTicket ticket, String reason) {
        if (options.failOnUnsupported()) {
            fatal = "key " + KeyNames.quote(ticket.key) + " (db " + ticket.db + "): " + reason;
            checkFatal();
        }
        ticket.skip(reason);
    }

    private KeyTicket newTicket(int shard, int db, byte[] key) {
        try {
            return new KeyTicket(shard, positions.open(shard), db, key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted");
        }
    }

    private RecordTranslator.Emitter emitter(PipelinedConnection conn, KeyTicket ticket) {
        return new RecordTranslator.Emitter() {
            @Override
            public void command(int flags, byte[]... args) {
                ticket.added();
                conn.awaitWindow();
                conn.send(new Pending(args, ticket, ticket.db, flags));
                commands.increment();
            }

            @Override
            public boolean exists(int db, byte[] key) {
                HostPort owner = topology.ownerOf(Slots.of(key));
                RespConnection c = node(owner).control();
                synchronized (c) {
                    if (!topology.isCluster()) c.callOk("SELECT", Integer.toString(db));
                    boolean exists = c.call("EXISTS".getBytes(StandardCharsets.US_ASCII), key).asLong() > 0;
                    if (exists) ticket.answeredExists();
                    return exists;
                }
            }

            @Override
            public void warn(String message) {
                listener.warned(ticket.db, ticket.key, message);
            }
        };
    }

    /** Accounts for a ticket whose commands have all been answered. */
    private void finish(KeyTicket t) {
        String failure = t.failure();
        if (t.skipReason() != null) {
            keysSkipped.increment();
            listener.skipped(t.db, t.key, t.skipReason());
        } else if (failure != null) {
            keysFailed.increment();
            listener.failed(t.db, t.key, failure);
            if (options.failOnError() && fatal == null) {
                fatal = "target refused key " + KeyNames.quote(t.key) + " (db " + t.db + "): " + failure;
            }
        } else if (t.existed()) {
            keysSkipped.increment();
            listener.skipped(t.db, t.key, "exists on the target (--no-replace)");
        } else {
            keysWritten.increment();
        }
        positions.complete(t.shard, t.seq, t.position());
    }

    @Override
    public void onReply(PipelinedConnection from, Pending p, Reply reply) {
        if (reply instanceof Reply.Error err) {
            String code = err.code();
            if ((code.equals("MOVED") || code.equals("ASK")) && p.retries++ < MAX_RETRIES) {
                redirect(p, err.message(), code.equals("ASK"));
                return;
            }
            if (isTransient(code) && p.ticket != null && p.retries++ < MAX_RETRIES) {
                retryLater(p, code);
                return;
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
        boolean exists = (p.flags & Pending.NIL_MEANS_EXISTS) != 0 && reply instanceof Reply.Bulk b && b.bytes() == null;
        if (p.ticket.answered(null, exists)) finish(p.ticket);
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

    private void retryLater(Pending p, String code) {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (code.equals("CLUSTERDOWN") && topology.isCluster()) {
            try {
                topology = Topology.ofCluster(topology.masters(), connectOptions);
            } catch (RedisConnectionException e) {
                log.warn("cluster topology refresh failed: {}", e.getMessage());
            }
        }
        if (p.ticket == null) return; // housekeeping (SELECT/ASKING) is re-sent with the command it served
        PipelinedConnection conn = route(p.ticket.key);
        conn.send(p);
        conn.flush();
    }

    @Override
    public void onBroken(PipelinedConnection from, String why) {
        if (!closing && fatal == null) fatal = why;
    }

    private void checkFatal() {
        String f = fatal;
        if (f != null) throw new WriteFailedException(f);
    }

    /** Sends everything buffered. */
    public void flush() {
        for (Node n : nodes.values()) for (PipelinedConnection c : n.conns) c.flush();
    }

    /** Sends everything and waits until every command has been answered. */
    public void drain() {
        flush();
        while (true) {
            checkFatal();
            int inFlight = 0;
            for (Node n : nodes.values()) for (PipelinedConnection c : n.conns) inFlight += c.inFlight();
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

    /** The highest position of {@code shard} whose records are all confirmed by the target, or -1. */
    public long committed(int shard) {
        return positions.committed(shard);
    }

    public long keysWritten() { return keysWritten.sum(); }
    public long keysSkipped() { return keysSkipped.sum(); }
    public long keysFailed() { return keysFailed.sum(); }
    public long commandsSent() { return commands.sum(); }

    public long bytesSent() {
        long total = 0;
        for (Node n : nodes.values()) for (PipelinedConnection c : n.conns) total += c.bytesSent();
        return total;
    }

    /** Runs a command once on every master (FUNCTION LOAD, FLUSHALL...); returns the first error, or null. */
    public String onEveryMaster(String... args) {
        drain();
        for (HostPort m : topology.masters()) {
            RespConnection c = node(m).control();
            synchronized (c) {
                Reply r = c.call(args);
                if (r.isError()) return m + ": " + r;
            }
        }
        return null;
    }

    @Override
    public void close() {
        closing = true;
        List<Node> all = new ArrayList<>(nodes.values());
        for (Node n : all) n.close();
    }
}
