package dev.ferry.cutover;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.ServerInfo;
import dev.ferry.server.Topology;
import java.util.Map;

/**
 * One master of the source, on a connection of the cutover's own: what it has written so far (its replication
 * offset), and the switches a cutover turns on it — a write pause with a deadline the server keeps by itself, and,
 * once the applications moved, a refusal of every later write.
 */
final class SourceMaster implements AutoCloseable {
    private final HostPort address;
    private final RespConnection c;
    private final ServerInfo info;
    private boolean pausedWritesOnly;

    private SourceMaster(HostPort address, RespConnection c, ServerInfo info) {
        this.address = address;
        this.c = c;
        this.info = info;
    }

    static SourceMaster open(HostPort address, ConnectOptions options) {
        RespConnection c = RespConnection.open(address, options);
        try {
            return new SourceMaster(address, c, Topology.probe(c));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    HostPort address() {
        return address;
    }

    ServerInfo info() {
        return info;
    }

    Map<String, String> replication() {
        return Topology.info(c, "replication");
    }

    String runId() {
        return Topology.info(c, "server").get("run_id");
    }

    /** The master's replication id and offset now: every write it acknowledged is at or before this offset. */
    Offset offset() {
        Map<String, String> r = replication();
        if (!"master".equals(r.get("role"))) {
            throw new RedisConnectionException("source " + address + " is not a master now (role:" + r.get("role") + ")");
        }
        return new Offset(r.get("master_replid"), Long.parseLong(r.get("master_repl_offset")));
    }

    record Offset(String replid, long offset) {
    }

    boolean dragonfly() {
        return info.engine() == ServerInfo.Engine.DRAGONFLY;
    }

    /** A Dragonfly master's id: the one its flows' positions carry. */
    String dragonflyId() {
        String id = replication().get("master_replid");
        if (id == null) throw new RedisConnectionException("source " + address + " does not say its master_replid in INFO replication");
        return id;
    }

    /** A Dragonfly master's journal: each shard's next LSN ({@code DFLY REPLICAOFFSET}). */
    long[] journal() {
        Reply r = c.call("DFLY", "REPLICAOFFSET");
        if (r.isError()) throw new RedisConnectionException("source " + address + " refused DFLY REPLICAOFFSET: " + r);
        java.util.List<Reply> items = r.asList();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = items.get(i).asLong();
        return out;
    }

    /**
     * Pauses the master's writes for {@code ms} at most: the server ends the pause by itself then, whatever happens
     * to Ferry. Reads go on ({@code WRITE}, Redis 6.2+); an older server pauses every client. Returns what it did.
     */
    String pause(long ms) {
        Reply r = c.call("CLIENT", "PAUSE", Long.toString(ms), "WRITE");
        if (!r.isError()) {
            pausedWritesOnly = true;
            return "writes paused";
        }
        Reply all = c.call("CLIENT", "PAUSE", Long.toString(ms));
        if (all.isError()) throw new RedisConnectionException("source " + address + " refused CLIENT PAUSE: " + all);
        return "every client paused (this server has no CLIENT PAUSE WRITE)";
    }

    /** Ends the pause now (Redis 6.2+); an older server ends it at its deadline. Returns an error, or null. */
    String unpause() {
        Reply r = c.call("CLIENT", "UNPAUSE");
        return r.isError() ? r.toString() : null;
    }

    boolean pausedWritesOnly() {
        return pausedWritesOnly;
    }

    /**
     * The applications moved: this master must never take a write again, since whatever it took would be lost to
     * them. {@code min-replicas-to-write} beyond any replica count makes it refuse every write ({@code NOREPLICAS}),
     * keeps its data, and is undone with one {@code CONFIG SET}; its clients are disconnected so that those which ask
     * Sentinel on connecting move at once, and a write held by the pause is never executed. Returns the undo command.
     */
    String refuseWrites(HostPort newMaster) {
        if (dragonfly()) {
            // Dragonfly has no min-replicas-to-write; as a replica of the new master (Dragonfly replicates from Redis
            // and from Dragonfly) it refuses every write, and what it holds is replaced by the new master's data
            Reply r = c.call("REPLICAOF", newMaster.host(), Integer.toString(newMaster.port()));
            if (r.isError()) throw new RedisConnectionException("source " + address + " refused REPLICAOF: " + r);
            return "REPLICAOF NO ONE";
        }
        Reply before = c.call("CONFIG", "GET", "min-replicas-to-write");
        java.util.List<Reply> kv = before.isError() ? java.util.List.of() : before.asList();
        String minReplicasBefore = kv.size() == 2 ? kv.get(1).asText() : "0";
        Reply set = c.call("CONFIG", "SET", "min-replicas-to-write", "1000000");
        if (set.isError()) {
            throw new RedisConnectionException("source " + address + " refused CONFIG SET min-replicas-to-write: " + set);
        }
        return "CONFIG SET min-replicas-to-write " + minReplicasBefore;
    }

    /** Disconnects every normal client but this one. Returns how many. */
    long disconnectClients() {
        Reply r = c.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        if (!r.isError()) return r.asLong();
        if (!dragonfly()) throw new RedisConnectionException("source " + address + " refused CLIENT KILL: " + r);
        // Dragonfly has no CLIENT KILL TYPE: each client but this one, by id, from CLIENT LIST
        Reply mine = c.call("CLIENT", "ID");
        String me = mine.isError() ? null : Long.toString(mine.asLong());
        long killed = 0;
        for (String line : c.call("CLIENT", "LIST").asText().split("\n")) {
            String id = null;
            for (String field : line.trim().split(" ")) if (field.startsWith("id=")) id = field.substring(3);
            if (id == null || id.equals(me)) continue;
            if (!c.call("CLIENT", "KILL", "ID", id).isError()) killed++;
        }
        return killed;
    }

    @Override
    public void close() {
        c.close();
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
