package dev.ferry.source.dragonfly;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.util.List;

/**
 * The control connection's greeting: PING, REPLCONF listening-port and capa, then {@code REPLCONF capa dragonfly},
 * whose array reply opens a session (master id, sync id, shard count, protocol version). A Redis master answers
 * that with +OK: then the source is not Dragonfly.
 */
record Handshake(String replid, String syncId, int flows, int version) {

    static Handshake run(RespConnection c, HostPort at, String clientId) {
        Reply pong = c.call("PING");
        if (pong.isError()) throw refused(at, "PING", pong);
        ok(c, at, "REPLCONF", "listening-port", "0");
        ok(c, at, "REPLCONF", "capa", "eof", "capa", "psync2");
        Reply r = c.call("REPLCONF", "capa", "dragonfly");
        if (r.isError()) {
            if (r.toString().contains("replica")) {
                throw new DragonflyReplicaSource.FatalSourceError("source " + at + " is a Dragonfly replica (" + r
                        + "): replicate from its master");
            }
            throw refused(at, "REPLCONF capa dragonfly", r);
        }
        if (!(r instanceof Reply.Array)) {
            throw new DragonflyReplicaSource.FatalSourceError("source " + at + " answered REPLCONF capa dragonfly with "
                    + r + ": it is not a Dragonfly master (use redis:// for Redis)");
        }
        List<Reply> a = r.asList();
        if (a.size() < 3) throw new RedisConnectionException("source " + at + ": short capa dragonfly reply " + r);
        String replid = a.get(0).asText();
        if (replid == null || replid.length() != 40) {
            throw new RedisConnectionException("source " + at + ": master id '" + replid + "' is not 40 characters");
        }
        String syncId = a.get(1).asText();
        long flows = a.get(2).asLong();
        if (flows < 1 || flows > 1024) throw new RedisConnectionException("source " + at + ": implausible shard count " + flows);
        int version = a.size() > 3 ? (int) a.get(3).asLong() : 0;
        if (clientId != null) {
            // both only make sense on the connection that holds the session; failures are not fatal, as in Dragonfly
            c.call("REPLCONF", "CLIENT-ID", clientId);
            if (a.size() > 3) c.call("REPLCONF", "CLIENT-VERSION", "4");
        }
        return new Handshake(replid, syncId, (int) flows, version);
    }

    private static void ok(RespConnection c, HostPort at, String... cmd) {
        Reply r = c.call(cmd);
        if (r.isError()) throw refused(at, String.join(" ", cmd), r);
    }

    private static RuntimeException refused(HostPort at, String what, Reply r) {
        String m = r.toString();
        if (((Reply.Error) r).refusesAccess()) {
            return new DragonflyReplicaSource.FatalSourceError("source " + at + " refused " + what + ": " + m
                    + " (a replication user needs +ping +dfly +replconf)");
        }
        return new RedisConnectionException("source " + at + " refused " + what + ": " + m);
    }
}
