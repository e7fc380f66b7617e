package dev.ferry.testkit;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which connection a {@link WorkloadOp} goes to: the one server, or the master owning the op's slot. */
interface WorkloadRouter extends AutoCloseable {

    /** Opens the connection if needed; throws {@link RedisConnectionException} when the node is unreachable. */
    RespConnection connectionFor(WorkloadOp op);

    /**
     * A MOVED reply named the slot's new owner. Only that slot is patched: right after a failover some nodes
     * still gossip the old map, so re-reading CLUSTER SLOTS could bring the stale owner back.
     */
    void moved(int slot, HostPort owner);

    /** The connection failed mid-batch: forget it, so the next op reconnects (and, in a cluster, re-reads the map). */
    void dropped(RespConnection connection);

    @Override
    void close();

    static ConnectOptions options(RedisServer s) {
        return new ConnectOptions(null, s.password(), s.isTls(), false,
                s.isTls() ? s.caCertPath().toString() : null, 2_000, 5_000);
    }

    /** One standalone server; remembers the last SELECT so a reconnect lands in the same db. */
    final class Single implements WorkloadRouter {
        private final HostPort address;
        private final ConnectOptions options;
        private RespConnection connection;
        private String db = "0";

        Single(RedisServer server) {
            this.address = new HostPort(server.host(), server.port());
            this.options = options(server);
        }

        @Override
        public RespConnection connectionFor(WorkloadOp op) {
            if (connection == null) {
                RespConnection c = RespConnection.open(address, options);
                if (!db.equals("0")) c.callOk("SELECT", db);
                connection = c;
            }
            byte[][] first = op.commands().get(0);
            if (first.length == 2 && new String(first[0], StandardCharsets.US_ASCII).equals("SELECT")) {
                db = new String(first[1], StandardCharsets.US_ASCII);
            }
            return connection;
        }

        @Override
        public void moved(int slot, HostPort owner) {
            // a standalone server never redirects
        }

        @Override
        public void dropped(RespConnection c) {
            c.close();
            connection = null;
        }

        @Override
        public void close() {
            if (connection != null) connection.close();
        }
    }

    /**
     * A cluster: the slot-to-master map from CLUSTER SLOTS, one connection per master. After a failover the old
     * master answers MOVED, which names the new owner; a connection that dies makes the map be read again, from
     * any node that answers.
     */
    final class Cluster implements WorkloadRouter {
        private final List<HostPort> seeds;
        private final ConnectOptions options;
        private final HostPort[] owners = new HostPort[Slots.COUNT];
        private final Map<HostPort, RespConnection> connections = new LinkedHashMap<>();
        private boolean stale = true;

        Cluster(RedisCluster cluster) {
            this.seeds = cluster.nodes().stream().map(n -> new HostPort(n.host(), n.port())).toList();
            this.options = options(cluster.nodes().get(0));
        }

        @Override
        public RespConnection connectionFor(WorkloadOp op) {
            if (stale) readSlots();
            HostPort owner = owners[Math.max(op.slot(), 0)];
            if (owner == null) throw new RedisConnectionException("slot " + op.slot() + " has no master");
            RespConnection c = connections.get(owner);
            if (c == null) {
                c = RespConnection.open(owner, options);
                connections.put(owner, c);
            }
            return c;
        }

        @Override
        public void moved(int slot, HostPort owner) {
            owners[slot] = owner;
        }

        @Override
        public void dropped(RespConnection c) {
            c.close();
            connections.remove(c.address());
            stale = true;
        }

        private void readSlots() {
            List<HostPort> candidates = new ArrayList<>(connections.keySet());
            candidates.addAll(seeds);
            RedisConnectionException last = null;
            for (HostPort hp : candidates) {
                try (RespConnection c = RespConnection.open(hp, options)) {
                    Reply r = c.call("CLUSTER", "SLOTS");
                    if (r.isError()) continue;
                    java.util.Arrays.fill(owners, null);
                    for (Reply range : r.asList()) {
                        List<Reply> f = range.asList();
                        List<Reply> master = f.get(2).asList();
                        HostPort owner = new HostPort(master.get(0).asText(), (int) master.get(1).asLong());
                        for (int s = (int) f.get(0).asLong(); s <= f.get(1).asLong(); s++) owners[s] = owner;
                    }
                    stale = false;
                    return;
                } catch (RedisConnectionException e) {
                    last = e; // a dead node (the failed master): try the next
                }
            }
            throw last != null ? last : new RedisConnectionException("no cluster node answered CLUSTER SLOTS");
        }

        @Override
        public void close() {
            connections.values().forEach(RespConnection::close);
            connections.clear();
        }
    }
}
