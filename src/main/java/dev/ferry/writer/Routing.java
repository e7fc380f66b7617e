package dev.ferry.writer;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.NodeIdentity;
import dev.ferry.server.Slots;
import dev.ferry.server.Topology;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the writer's commands go: the target's topology, its nodes (with their connections) and who each node
 * was when Ferry last reached it, the connection for a key, MOVED/ASK redirects, and after a lost connection
 * the routes restored — the same node again, the master Sentinel names now, or a cluster's new slot owners.
 */
final class Routing {
    private static final byte[] ASKING = "ASKING".getBytes(StandardCharsets.US_ASCII);

    private final RedisUri uri;
    private final WriterOptions options;
    private final ConnectOptions connectOptions;
    private final PipelinedConnection.ReplyHandler handler;
    private final RunState state;
    private volatile Topology topology;
    private final Map<HostPort, Node> nodes = new ConcurrentHashMap<>();
    /** Who each node was when Ferry last reached it: a reconnection that finds another process there is a loss. */
    private final Map<HostPort, NodeIdentity> identities = new ConcurrentHashMap<>();

    Routing(RedisUri uri, WriterOptions options, ConnectOptions connectOptions, Topology topology,
            PipelinedConnection.ReplyHandler handler, RunState state) {
        this.uri = uri;
        this.options = options;
        this.connectOptions = connectOptions;
        this.topology = topology;
        this.handler = handler;
        this.state = state;
    }

    Topology topology() {
        return topology;
    }

    boolean isCluster() {
        return topology.isCluster();
    }

    ConnectOptions connectOptions() {
        return connectOptions;
    }

    /**
     * Masters written to so far. A slot or a Sentinel name moving to an address not among them is a failover: the
     * new master may lack writes the old one confirmed. With checkpoints on, that stops the run so it can continue
     * from the checkpoints the new master holds ({@link #failoverStops}).
     */
    private final Set<HostPort> mastersSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean failoverStops;

    void stopOnFailover() {
        failoverStops = true;
    }

    /**
     * {@code node} is now a master Ferry writes to: if it never was (and other masters were), the run stops for a
     * failover. Returns the reason, or null.
     */
    private String newMaster(HostPort node) {
        if (mastersSeen.contains(node) || !failoverStops) {
            mastersSeen.add(node);
            return null;
        }
        String why = "target master " + node + " took over from a master Ferry wrote to (a failover): writes the old "
                + "master confirmed may not have reached it";
        state.failedOver = why; // first: from here no checkpoint position is written anywhere
        mastersSeen.add(node);
        return why;
    }

    /**
     * Whether checkpoint positions may be written to the masters the topology names: none is a master taking over
     * (not yet known as a failover) and no failover stopped the run. A position confirmed by an old master and
     * written to its successor would claim writes the successor never got.
     */
    boolean mastersUnchanged() {
        if (state.failedOver != null) return false;
        for (HostPort m : topology.masters()) if (failoverStops && !mastersSeen.contains(m)) return false;
        return true;
    }

    /**
     * Asks Sentinel (or the cluster's slot map) who the masters are now: a failover whose old master still took
     * writes (Sentinel demotes it only after promoting its replica) shows here before any error does. Returns why
     * the run must start again from the new master's checkpoints, or null.
     */
    String checkMasters() {
        if (!failoverStops) return null;
        List<HostPort> now;
        if (uri.kind() == RedisUri.Kind.SENTINEL) {
            now = List.of(Topology.resolveSentinelMaster(uri));
        } else if (topology.isCluster()) {
            now = Topology.ofCluster(new ArrayList<>(nodes.keySet()), connectOptions).masters();
        } else {
            return null;
        }
        for (HostPort m : now) {
            String failover = newMaster(m);
            if (failover != null) return failover;
        }
        return null;
    }

    /** Connects to every master; a master that turned out to be a replica is refused with {@code notAMaster}. */
    void connectMasters() {
        for (HostPort m : topology.masters()) {
            mastersSeen.add(m);
            node(m);
            NodeIdentity id = identities.get(m);
            if (id != null && !id.isMaster()) {
                if (topology.isCluster()) throw new StaleSlotMap(notAMaster(uri, id));
                throw new RedisConnectionException(notAMaster(uri, id));
            }
        }
    }

    /** A cluster's slot map names as master a node that says it is a replica: mid-failover, or a stale view. */
    static final class StaleSlotMap extends RedisConnectionException {
        StaleSlotMap(String message) {
            super(message);
        }
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
    List<NodeIdentity> masterIdentities() {
        List<NodeIdentity> out = new ArrayList<>();
        for (HostPort m : topology.masters()) {
            NodeIdentity id = identities.get(m);
            if (id != null) out.add(id);
        }
        return out;
    }

    /** The node at {@code address}, connected (and its identity read) on first use. */
    Node node(HostPort address) {
        Node n = nodes.get(address);
        if (n != null) return n;
        synchronized (nodes) {
            return nodes.computeIfAbsent(address, a -> {
                // each new control connection (it writes the checkpoint) is checked like a reconnected pipeline
                Node created = new Node(a, options.connections(), options.pipeline(), connectOptions, handler,
                        state.bytesSent, c -> sameProcess(a, NodeIdentity.read(c)));
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
    PipelinedConnection route(KeyTicket t) {
        int slot = t.slot();
        return connectionFor(topology.ownerOf(slot), t.lane >= 0 ? t.lane : slot);
    }

    private PipelinedConnection connectionFor(HostPort node, int spread) {
        PipelinedConnection[] conns = routed(node).connections();
        return conns[spread % conns.length];
    }

    /**
     * The node at {@code node}, found by the identity of the address the slot map holds: the nodes routed to so far
     * sit in a short array, so a command costs no hashing of an address record and no allocation; a new address
     * (a first use, a redirect) goes through {@link #node} once.
     */
    private Node routed(HostPort node) {
        NodeRef[] known = routedNodes;
        for (NodeRef r : known) if (r.address == node) return r.node;
        Node n = node(node);
        synchronized (this) {
            if (routedNodes.length < ROUTED_MAX) {
                NodeRef[] more = java.util.Arrays.copyOf(routedNodes, routedNodes.length + 1);
                more[more.length - 1] = new NodeRef(node, n);
                routedNodes = more;
            }
        }
        return n;
    }

    private record NodeRef(HostPort address, Node node) {
    }

    /** Addresses kept by identity: a cluster's masters and the few a failover or a redirect brings. */
    private static final int ROUTED_MAX = 64;
    private volatile NodeRef[] routedNodes = new NodeRef[0];

    /** The plain connection of the node that owns {@code key}'s slot, for synchronous calls. */
    RespConnection controlFor(byte[] key) {
        return node(topology.ownerOf(Slots.of(key))).control();
    }

    /** MOVED: the slot has a new owner, remember it and send there; ASK: this one command goes there, after ASKING. */
    void redirect(Pending p, Redirect r) {
        // after a failover the run starts again from the new master's checkpoints: a redirected part of a block
        // sent alone would be applied there without its guard
        if (state.failedOver != null) return;
        PipelinedConnection conn = connectionFor(r.to(), r.slot());
        if (r.ask()) {
            conn.sendTogether(Pending.control(new byte[][] {ASKING}), p);
        } else {
            String failover = newMaster(r.to());
            if (failover != null) {
                state.failIfFirst(failover);
                return; // the run stops; the restart continues from the new master's checkpoints
            }
            topology.moved(r.slot(), r.to());
            conn.send(p);
            conn.flush();
        }
    }

    /**
     * Waits (until {@code deadline}) until every node the topology routes to answers again as a master. A node
     * reconnected to is checked for being the same server process: one that restarted (a new run_id) may have
     * lost what it confirmed, and ends the run. Returns the broken connections it replaced.
     */
    List<PipelinedConnection> restoreRoutes(long deadline) {
        List<PipelinedConnection> replaced = new ArrayList<>();
        RuntimeException last = null;
        Set<HostPort> reconnected = new HashSet<>();
        while (System.currentTimeMillis() < deadline && !state.closing()) {
            state.checkFatal();
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
                    String failover = newMaster(m);
                    if (failover != null) throw new TargetLostException(failover);
                }
                for (HostPort m : topology.masters()) {
                    Node n = node(m);
                    if (n.anyBroken()) {
                        reconnected.add(m);
                        replaced.addAll(n.repair());
                    }
                }
                for (HostPort m : topology.masters()) {
                    if (reconnected.contains(m)) {
                        checkIdentity(m);
                        reconnected.remove(m);
                    }
                }
                return replaced;
            } catch (TargetLostException e) {
                throw e;
            } catch (RuntimeException e) {
                last = e;
                Pause.quietly(200); // what failed is in `last`; the loop ends at the deadline
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
        sameProcess(node, now);
        identities.put(node, now);
    }

    /**
     * Throws when {@code now} is another process than the one first written to at {@code node}. Same address, new
     * process: whatever it reloaded (nothing, or an RDB/AOF of some earlier moment), Ferry cannot tell that it holds
     * every write it had confirmed, and its checkpoint must not reach it. A failover moves the master to another
     * address.
     */
    private void sameProcess(HostPort node, NodeIdentity now) {
        if (now.restartedSince(identities.get(node))) {
            throw new TargetLostException("target " + node + " restarted while Ferry was writing to it (its run_id changed) "
                    + "and came back with " + String.format(Locale.ROOT, "%,d", now.keys()) + " keys: the writes it "
                    + "had confirmed may be lost, so the target holds an incomplete copy. Stopping; empty the target and run "
                    + "Ferry again (ferry verify lists what is missing)");
        }
    }

    /** Reads the slot map again from the URI's seeds or any node written to so far, whichever answers. */
    void refreshClusterMap() {
        List<HostPort> seeds = new ArrayList<>(uri.hosts());
        seeds.addAll(nodes.keySet());
        topology = Topology.ofCluster(seeds, connectOptions);
    }

    /** Sends everything buffered on every connection. */
    void flush() {
        for (Node n : nodes.values()) for (PipelinedConnection c : n.connections()) c.flush();
    }

    /** Each node's connections and unanswered commands, in address order. */
    List<WriterLoad.NodeLoad> loads() {
        List<WriterLoad.NodeLoad> out = new ArrayList<>();
        for (Node node : nodes.values()) {
            int n = 0;
            PipelinedConnection[] cs = node.connections();
            for (PipelinedConnection c : cs) n += c.inFlight();
            out.add(new WriterLoad.NodeLoad(node.address.toString(), cs.length, n));
        }
        out.sort(java.util.Comparator.comparing(WriterLoad.NodeLoad::address));
        return out;
    }

    /** Commands sent and not answered yet, over every connection. */
    int inFlight() {
        int n = 0;
        for (Node node : nodes.values()) for (PipelinedConnection c : node.connections()) n += c.inFlight();
        return n;
    }

    /** Commands written to a socket and not answered yet, on connections that can still answer (not lost). */
    int awaitingReply() {
        int n = 0;
        for (Node node : nodes.values()) for (PipelinedConnection c : node.connections()) n += c.awaitingReply();
        return n;
    }

    void close() {
        List<Node> all = new ArrayList<>(nodes.values());
        for (Node n : all) n.close();
    }
}
