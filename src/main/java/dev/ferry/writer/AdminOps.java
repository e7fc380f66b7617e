package dev.ferry.writer;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Synchronous operations on the target's control connections, outside the pipelines: a command on every master
 * (FUNCTION LOAD, FLUSHALL...), a purge of chosen keys, and a call on the node owning a key (EXISTS for
 * --no-replace). The first two wait until everything written so far is confirmed.
 */
final class AdminOps {
    private final Routing routing;
    private final RunState state;
    private final long reconnectTimeoutMs;
    /** Sends everything and waits until every command has been answered. */
    private final Runnable drain;

    AdminOps(Routing routing, RunState state, long reconnectTimeoutMs, Runnable drain) {
        this.routing = routing;
        this.state = state;
        this.reconnectTimeoutMs = reconnectTimeoutMs;
        this.drain = drain;
    }

    /** Runs a command once on every master, in db {@code db} (-1: whichever); returns the first error, or null. */
    String onEveryMaster(int db, byte[]... args) {
        drain.run();
        for (HostPort m : routing.topology().masters()) {
            RespConnection c = routing.node(m).control();
            synchronized (c) {
                if (db >= 0 && !routing.isCluster()) c.callOk("SELECT", Integer.toString(db));
                state.bytesSent.add(RespOutput.encodedSize(args));
                Reply r = c.call(args);
                if (r.isError()) return m + ": " + r;
            }
        }
        return null;
    }

    /**
     * Deletes every key of target db {@code db} that {@code doomed} picks (SCAN + UNLINK on every master);
     * returns how many keys were deleted.
     */
    long purge(int db, Predicate<byte[]> doomed) {
        drain.run();
        if (routing.isCluster() && db != 0) return 0;
        long deleted = 0;
        for (HostPort m : routing.topology().masters()) {
            RespConnection c = routing.node(m).control();
            synchronized (c) {
                if (!routing.isCluster()) c.callOk("SELECT", Integer.toString(db));
                String cursor = "0";
                do {
                    List<Reply> page = c.callOk("SCAN", cursor, "COUNT", "1000").asList();
                    cursor = page.get(0).asText();
                    List<byte[]> doomedKeys = new ArrayList<>();
                    for (Reply k : page.get(1).asList()) {
                        byte[] key = ((Reply.Bulk) k).bytes();
                        if (doomed.test(key)) doomedKeys.add(key);
                    }
                    deleted += unlink(c, doomedKeys);
                } while (!cursor.equals("0"));
            }
        }
        return deleted;
    }

    /**
     * UNLINKs {@code keys} on {@code c}: in one command on a standalone target, one per key (pipelined) on a cluster,
     * where a command over keys of several slots is refused (CROSSSLOT).
     */
    private long unlink(RespConnection c, List<byte[]> keys) {
        if (keys.isEmpty()) return 0;
        byte[] unlink = "UNLINK".getBytes(StandardCharsets.US_ASCII);
        if (!routing.isCluster()) {
            List<byte[]> args = new ArrayList<>(keys.size() + 1);
            args.add(unlink);
            args.addAll(keys);
            return c.call(args.toArray(new byte[0][])).asLong();
        }
        dev.ferry.resp.RespPipeline p = new dev.ferry.resp.RespPipeline(c);
        for (byte[] key : keys) p.add(unlink, key);
        long n = 0;
        for (Reply r : p.sync()) n += r.asLong();
        return n;
    }

    /**
     * A synchronous call on the control connection of the node owning {@code key}'s slot; a lost connection is
     * opened again (the node may be restarting or failing over) until --reconnect-timeout.
     */
    <T> T controlCall(byte[] key, Function<RespConnection, T> call) {
        long deadline = System.currentTimeMillis() + reconnectTimeoutMs;
        while (true) {
            try {
                RespConnection c = routing.controlFor(key);
                synchronized (c) {
                    return call.apply(c);
                }
            } catch (RedisConnectionException e) {
                if (System.currentTimeMillis() > deadline) throw e; // says what the node answered last
                Pause.quietly(100);
                if (routing.isCluster()) {
                    try {
                        routing.refreshClusterMap();
                    } catch (RedisConnectionException ignored) {
                        // try again on the next round
                    }
                }
            }
        }
    }

    /** Whether {@code key} exists in db {@code db} of the target. */
    boolean exists(int db, byte[] key) {
        return controlCall(key, c -> {
            if (!routing.isCluster()) c.callOk("SELECT", Integer.toString(db));
            return c.call("EXISTS".getBytes(StandardCharsets.US_ASCII), key).asLong() > 0;
        });
    }
}
