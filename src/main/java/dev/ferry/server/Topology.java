package dev.ferry.server;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisPermissionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which node owns which slot. A standalone or Sentinel-resolved target is one node owning every slot;
 * a cluster's map comes from CLUSTER SLOTS and is patched by MOVED replies.
 */
public final class Topology {
    private final HostPort[] owner = new HostPort[Slots.COUNT];
    private final boolean cluster;

    private Topology(boolean cluster) {
        this.cluster = cluster;
    }

    public boolean isCluster() {
        return cluster;
    }

    /** Read for every command sent, so without the lock: a redirect's change is published element by element. */
    public HostPort ownerOf(int slot) {
        return (HostPort) OWNER.getAcquire(owner, slot);
    }

    public synchronized void moved(int slot, HostPort node) {
        OWNER.setRelease(owner, slot, node);
        masters = null;
    }

    /** {@link #masters()} worked out once per change of the map: it walks every slot, and is asked per checkpoint. */
    private List<HostPort> masters;

    private static final java.lang.invoke.VarHandle OWNER = java.lang.invoke.MethodHandles.arrayElementVarHandle(HostPort[].class);

    /** The distinct nodes that own slots, in a stable order. */
    public synchronized List<HostPort> masters() {
        if (masters == null) {
            List<HostPort> seen = new ArrayList<>();
            HostPort last = null;
            for (HostPort h : owner) {
                // slots come in ranges: compare with the previous owner before searching the few found so far
                if (h != null && h != last && !seen.contains(h)) seen.add(h);
                last = h;
            }
            masters = List.copyOf(seen);
        }
        return masters;
    }

    public static Topology single(HostPort node) {
        Topology t = new Topology(false);
        java.util.Arrays.fill(t.owner, node);
        return t;
    }

    /**
     * Whether a server that says it is in cluster mode is a Dragonfly that only emulates it
     * ({@code --cluster_mode=emulated}): one node owning every slot, several dbs, no slot checks, so it is written to
     * as the one node it is. Decided from its answers: the engine ({@code INFO}), {@code CLUSTER SLOTS} (one range,
     * 0 to 16383) and {@code SELECT 1}, which a Dragonfly in real cluster mode refuses as "not allowed in cluster
     * mode", and an emulating one takes (or finds out of range, when it runs with one db).
     */
    public static boolean emulatedCluster(ServerInfo info, Reply clusterSlots, Reply selectOne) {
        if (info.engine() != ServerInfo.Engine.DRAGONFLY || !info.cluster()) return false;
        if (!(clusterSlots instanceof Reply.Array a) || a.items() == null || a.items().size() != 1) return false;
        List<Reply> range = a.items().get(0).asList();
        if (range.size() < 3 || !(range.get(0) instanceof Reply.Int from) || !(range.get(1) instanceof Reply.Int to)
                || from.value() != 0 || to.value() != Slots.COUNT - 1) return false;
        // OK, or "DB index is out of range" (started with one db); "not allowed in cluster mode" says real cluster
        // mode, and any other refusal (NOPERM) leaves it unknown: taken as the cluster it says it is, as before
        return !(selectOne instanceof Reply.Error e) || e.message().contains("out of range");
    }

    /**
     * {@code info} of the server behind {@code c}, as one node when it is a Dragonfly emulating cluster mode
     * ({@link #emulatedCluster}). Leaves {@code c} in db 0.
     */
    public static ServerInfo oneNodeIfEmulated(RespConnection c, ServerInfo info) {
        if (info.engine() != ServerInfo.Engine.DRAGONFLY || !info.cluster()) return info;
        Reply slots = c.call("CLUSTER", "SLOTS");
        Reply select = c.call("SELECT", "1");
        if (!select.isError()) c.call("SELECT", "0");
        return emulatedCluster(info, slots, select) ? info.asEmulatedCluster() : info;
    }

    /** Reads the slot map from the first seed that answers. */
    public static Topology ofCluster(List<HostPort> seeds, ConnectOptions options) {
        RedisConnectionException last = null;
        for (HostPort seed : seeds) {
            try (RespConnection c = RespConnection.open(seed, options)) {
                return fromClusterSlots(c, seed);
            } catch (RedisConnectionException e) {
                last = e;
            }
        }
        throw last != null ? last : new RedisConnectionException("no cluster seed given");
    }

    public static Topology fromClusterSlots(RespConnection c, HostPort seed) {
        Reply r = c.call("CLUSTER", "SLOTS");
        if (r.isError()) throw failed(r, "CLUSTER SLOTS on " + seed + " failed: " + r);
        Topology t = new Topology(true);
        for (Reply range : r.asList()) {
            List<Reply> f = range.asList();
            int from = (int) f.get(0).asLong();
            int to = (int) f.get(1).asLong();
            List<Reply> master = f.get(2).asList();
            String host = master.get(0).asText();
            // an empty or '?' host means "the address you reached me on" (cluster-announce unset)
            if (host == null || host.isEmpty() || host.equals("?")) host = seed.host();
            HostPort node = new HostPort(host, (int) master.get(1).asLong());
            for (int s = from; s <= to; s++) t.owner[s] = node;
        }
        for (int s = 0; s < Slots.COUNT; s++) {
            if (t.owner[s] == null) {
                throw new RedisConnectionException("cluster at " + seed + " does not cover slot " + s + " (cluster_state not ok?)");
            }
        }
        return t;
    }

    /**
     * The masters a source URI replicates from: the one Sentinel names, every master of a cluster, or the one
     * server named (a {@code redis://} URI naming a cluster node is refused by the sources themselves).
     */
    public static List<HostPort> masters(RedisUri uri) {
        return switch (uri.kind()) {
            case SENTINEL -> List.of(resolveSentinelMaster(uri));
            case CLUSTER -> ofCluster(uri.hosts(), uri.connectOptions()).masters();
            default -> List.of(uri.first());
        };
    }

    /** Asks the Sentinels for the current master of {@code uri.sentinelMaster()}. */
    public static HostPort resolveSentinelMaster(RedisUri uri) {
        ConnectOptions sentinelOptions = new ConnectOptions(null, uri.sentinelPassword(), uri.tls(), uri.tlsInsecure(),
                uri.caCertFile(), uri.timeoutMs(), uri.timeoutMs());
        List<String> problems = new ArrayList<>();
        for (HostPort s : uri.hosts()) {
            try (RespConnection c = RespConnection.open(s, sentinelOptions)) {
                Reply r = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", uri.sentinelMaster());
                if (r instanceof Reply.Array a && a.items() != null && a.items().size() == 2) {
                    return new HostPort(a.items().get(0).asText(), (int) a.items().get(1).asLong());
                }
                problems.add(s + " knows no master named '" + uri.sentinelMaster() + "'" + (r.isError() ? " (" + r + ")" : ""));
            } catch (RedisConnectionException e) {
                problems.add(e.getMessage());
            }
        }
        throw new RedisConnectionException("no Sentinel resolved master '" + uri.sentinelMaster() + "': " + String.join("; ", problems));
    }

    /** INFO sections parsed into a map of field to value. */
    public static Map<String, String> info(RespConnection c, String section) {
        Reply r = c.call("INFO", section);
        if (r.isError()) throw failed(r, "INFO " + section + " on " + c.address() + " failed: " + r);
        return parseInfo(r.asText());
    }

    /** A probe's error reply: a NOPERM is typed, so callers can say which ACL rule the user lacks. */
    private static RedisConnectionException failed(Reply r, String message) {
        return r instanceof Reply.Error e && e.isPermissionDenied() ? new RedisPermissionException(message)
                : new RedisConnectionException(message);
    }

    /** INFO's text as a map of field to value (section headers dropped). */
    public static Map<String, String> parseInfo(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) m.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return m;
    }

    /** Engine, version, RDB version, modules and cluster mode of the server behind {@code c}. */
    public static ServerInfo probe(RespConnection c) {
        Map<String, String> server = info(c, "server");
        boolean dragonfly = server.containsKey("dragonfly_version");
        String version = version(server);
        boolean cluster = "cluster".equals(server.get("redis_mode"));
        if (!cluster) {
            Map<String, String> cl = info(c, "cluster");
            cluster = "1".equals(cl.get("cluster_enabled"));
        }
        Set<String> modules = new HashSet<>();
        Reply ml = c.call("MODULE", "LIST");
        // a server without the command (or a user without the right) leaves the modules unknown
        boolean listed = !ml.isError() && ml instanceof Reply.Array;
        if (listed) {
            for (Reply m : ml.asList()) {
                List<Reply> kv = m.asList();
                for (int i = 0; i + 1 < kv.size(); i += 2) {
                    if ("name".equals(kv.get(i).asText())) modules.add(kv.get(i + 1).asText().toLowerCase(Locale.ROOT));
                }
            }
        }
        // the newest payload footer RESTORE takes: Dragonfly's own RDB version, Redis's by its version
        int rdb = dragonfly ? ServerInfo.rdbVersionOfDragonfly(version) : ServerInfo.rdbVersionOfRedis(version);
        return new ServerInfo(dragonfly ? ServerInfo.Engine.DRAGONFLY : ServerInfo.Engine.REDIS, version, rdb, modules,
                cluster, listed);
    }

    /**
     * The server's version from INFO's server section: Dragonfly's own, which it gives as its release tag
     * ("df-v1.40.1"; its redis_version says 7.4.0), as the number; else redis_version.
     */
    public static String version(Map<String, String> server) {
        String v = server.containsKey("dragonfly_version") ? server.get("dragonfly_version")
                : server.getOrDefault("redis_version", "0.0.0");
        if (v.startsWith("df-")) v = v.substring(3);
        return v.startsWith("v") ? v.substring(1) : v;
    }
}
