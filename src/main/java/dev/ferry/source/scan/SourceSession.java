package dev.ferry.source.scan;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespPipeline;
import dev.ferry.server.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The reading connection to one source master, remembering its selected db and what the server offers. */
final class SourceSession implements AutoCloseable {
    private final HostPort address;
    private final ConnectOptions options;
    private RespConnection conn;
    private int selectedDb = -1;
    private final boolean hasExpireTime;

    SourceSession(HostPort address, ConnectOptions options) {
        this.address = address;
        this.options = options;
        this.conn = RespConnection.open(address, options);
        String version = Topology.info(conn, "server").getOrDefault("redis_version", "0");
        // PEXPIRETIME (7.0) reads the absolute expiry the source holds; PTTL is relative to a moment we can only guess
        this.hasExpireTime = major(version) >= 7;
    }

    HostPort address() {
        return address;
    }

    boolean hasExpireTime() {
        return hasExpireTime;
    }

    RespConnection connection() {
        if (conn.isClosed()) {
            conn = RespConnection.open(address, options);
            selectedDb = -1;
        }
        return conn;
    }

    /** A pipeline starting with SELECT when {@code db} is not the selected one. */
    RespPipeline pipeline(int db) {
        RespPipeline p = new RespPipeline(connection());
        if (db != selectedDb) {
            connection().callOk("SELECT", Integer.toString(db));
            selectedDb = db;
        }
        return p;
    }

    /** Dbs holding keys, from INFO keyspace. */
    List<Integer> dbsWithKeys() {
        List<Integer> dbs = new ArrayList<>();
        for (Map.Entry<String, String> e : Topology.info(connection(), "keyspace").entrySet()) {
            if (e.getKey().startsWith("db")) dbs.add(Integer.parseInt(e.getKey().substring(2)));
        }
        return dbs;
    }

    Reply call(String... args) {
        return connection().call(args);
    }

    private static int major(String version) {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        conn.close();
    }
}
