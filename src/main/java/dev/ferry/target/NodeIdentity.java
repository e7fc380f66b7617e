package dev.ferry.target;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Who a server is, as far as data safety goes: its process ({@code run_id}, new at every start), its role, the
 * master it follows, and its replication history ({@code master_replid}, shared by a master and its replicas).
 * Ferry reads it when it first reaches a node and again after every reconnection, to tell a node that came back
 * with what it had confirmed from one that restarted empty, and to refuse loops (the source as target).
 *
 * @param secondReplOffset {@code second_repl_offset}: -1 unless the server was promoted from a replica (it then
 *                         keeps its old master's history), so a new run_id with -1 means "started as a master on
 *                         its own", not "a replica took over"
 */
public record NodeIdentity(HostPort address, String runId, String role, HostPort master, String replId,
                           long secondReplOffset, SortedMap<Integer, Long> keysByDb) {

    public static NodeIdentity read(RespConnection c) {
        Map<String, String> server = infoOrEmpty(c, "server");
        Map<String, String> repl = infoOrEmpty(c, "replication");
        Map<String, String> keyspace = infoOrEmpty(c, "keyspace");
        HostPort master = null;
        String mh = repl.get("master_host");
        String mp = repl.get("master_port");
        if (mh != null && mp != null) {
            try {
                master = new HostPort(mh, Integer.parseInt(mp));
            } catch (NumberFormatException e) {
                master = null; // not an address we could use anyway
            }
        }
        long second = -1;
        try {
            second = Long.parseLong(repl.getOrDefault("second_repl_offset", "-1"));
        } catch (NumberFormatException e) {
            second = -1;
        }
        return new NodeIdentity(c.address(), server.get("run_id"), repl.getOrDefault("role", "master"), master,
                repl.get("master_replid"), second, keysByDb(keyspace));
    }

    /** A server that lacks a section (an emulator, an old engine) just tells less; a lost connection still throws. */
    private static Map<String, String> infoOrEmpty(RespConnection c, String section) {
        try {
            return Topology.info(c, section);
        } catch (RedisConnectionException e) {
            if (c.isClosed()) throw e;
            return Map.of();
        }
    }

    /** Keys per db, from INFO keyspace ({@code db0:keys=12,expires=0,...}); empty dbs are not listed. */
    static SortedMap<Integer, Long> keysByDb(Map<String, String> keyspace) {
        SortedMap<Integer, Long> out = new TreeMap<>();
        for (Map.Entry<String, String> e : keyspace.entrySet()) {
            if (!e.getKey().startsWith("db")) continue;
            for (String part : e.getValue().split(",")) {
                if (!part.startsWith("keys=")) continue;
                try {
                    long n = Long.parseLong(part.substring(5));
                    if (n > 0) out.put(Integer.parseInt(e.getKey().substring(2)), n);
                } catch (NumberFormatException ignored) {
                    // a field we do not know: leave it out
                }
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /** Keys in every db. */
    public long keys() {
        long n = 0;
        for (long k : keysByDb.values()) n += k;
        return n;
    }

    public boolean isMaster() {
        return "master".equals(role);
    }

    /** A different process than {@code before}: the server was restarted (or another one took the address). */
    public boolean restartedSince(NodeIdentity before) {
        return before != null && before.runId != null && runId != null && !before.runId.equals(runId);
    }

    /** Whether it was promoted from a replica (so its data came from its old master by replication). */
    public boolean promotedFromReplica() {
        return secondReplOffset >= 0;
    }
}
