package dev.ferry.verify;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.ServerInfo;
import dev.ferry.server.Slots;
import dev.ferry.server.Topology;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One side of a comparison: its masters (one, the one a Sentinel names, or every cluster master), which of
 * them holds a key, and which dbs hold keys. Replicas are never read: they may lag.
 */
final class Side {
    final String name;
    final RedisUri uri;
    final ConnectOptions options;
    final Topology topology;
    final ServerInfo info;

    private Side(String name, RedisUri uri, Topology topology, ServerInfo info) {
        this.name = name;
        this.uri = uri;
        this.options = uri.connectOptions();
        this.topology = topology;
        this.info = info;
    }

    /** Connects to the side, learns its engine and topology; fails with a one-line message. */
    static Side open(String name, RedisUri uri) {
        ConnectOptions co = uri.connectOptions();
        List<HostPort> seeds = uri.kind() == RedisUri.Kind.SENTINEL ? List.of(Topology.resolveSentinelMaster(uri)) : uri.hosts();
        RedisConnectionException last = null;
        for (HostPort h : seeds) {
            try (RespConnection c = RespConnection.open(h, co)) {
                ServerInfo info = Topology.probe(c);
                if (uri.kind() == RedisUri.Kind.CLUSTER && !info.cluster()) {
                    throw new RedisConnectionException(name + " " + h + " is not in cluster mode: use redis://" + h);
                }
                if (uri.kind() == RedisUri.Kind.REDIS && info.cluster() && info.engine() == ServerInfo.Engine.REDIS) {
                    throw new RedisConnectionException(name + " " + h + " is a cluster node: use redis-cluster://" + h
                            + " to compare every master");
                }
                Topology t = info.cluster() && info.engine() == ServerInfo.Engine.REDIS
                        ? Topology.ofCluster(seeds, co) : Topology.single(h);
                return new Side(name, uri, t, info);
            } catch (RedisConnectionException e) {
                last = e;
            }
        }
        throw last;
    }

    boolean cluster() {
        return topology.isCluster();
    }

    HostPort ownerOf(byte[] key) {
        return topology.ownerOf(Slots.of(key));
    }

    List<HostPort> masters() {
        return topology.masters();
    }

    /** The dbs that hold keys on any master (a cluster has db 0 only). */
    TreeSet<Integer> dbsWithKeys() {
        TreeSet<Integer> dbs = new TreeSet<>();
        for (HostPort m : masters()) {
            try (RespConnection c = RespConnection.open(m, options)) {
                Map<String, String> ks = Topology.info(c, "keyspace");
                for (String k : ks.keySet()) {
                    if (k.startsWith("db")) dbs.add(Integer.parseInt(k.substring(2)));
                }
            }
        }
        return dbs;
    }

    String describe() {
        return uri.redacted() + " (" + info.describe() + (cluster() ? ", " + masters().size() + " masters" : "") + ")";
    }
}
