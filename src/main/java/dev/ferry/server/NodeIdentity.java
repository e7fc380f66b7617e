package dev.ferry.server;

import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
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
 * <p>A new run_id at the same address cannot be told apart from a loss by replication ids: a master restarted
 * from its RDB restores its old replication id as {@code master_replid2}, just as a promoted replica keeps its
 * master's, whatever moment that RDB was saved at.
 */
public record NodeIdentity(HostPort address, String runId, String role, HostPort master, String replId,
                           SortedMap<Integer, Long> keysByDb) {

    public static NodeIdentity read(RespConnection c) {
        // one round trip: INFO's default sections hold server, replication and keyspace
        Map<String, String> all = infoOrEmpty(c);
        Map<String, String> server = all;
        Map<String, String> repl = all;
        Map<String, String> keyspace = all;
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
        return new NodeIdentity(c.address(), server.get("run_id"), repl.getOrDefault("role", "master"), master,
                repl.get("master_replid"), keysByDb(keyspace));
    }

    /** A server that lacks a section (an emulator, an old engine) just tells less; a lost connection still throws. */
    private static Map<String, String> infoOrEmpty(RespConnection c) {
        Reply r = c.call("INFO");
        if (r.isError() || !(r instanceof Reply.Bulk)) return Map.of();
        return Topology.parseInfo(r.asText());
    }

    /** Keys per db, from INFO keyspace ({@code db0:keys=12,expires=0,...}); empty dbs are not listed. */
    public static SortedMap<Integer, Long> keysByDb(Map<String, String> keyspace) {
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
}
