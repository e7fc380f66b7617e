package dev.ferry.verify;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import java.util.HashMap;
import java.util.Map;

/** One worker's connections to one side's nodes, each remembering its selected db. Not shared between threads. */
final class Connections implements AutoCloseable {
    private final ConnectOptions options;
    private final Map<HostPort, RespConnection> conns = new HashMap<>();
    private final Map<HostPort, Integer> dbs = new HashMap<>();

    Connections(ConnectOptions options) {
        this.options = options;
    }

    RespConnection to(HostPort node, int db, boolean cluster) {
        RespConnection c = conns.get(node);
        if (c == null || c.isClosed()) {
            c = RespConnection.open(node, options);
            c.setReadTimeout(60_000);
            conns.put(node, c);
            dbs.put(node, 0);
        }
        if (!cluster && dbs.get(node) != db) {
            c.callOk("SELECT", Integer.toString(db));
            dbs.put(node, db);
        }
        return c;
    }

    @Override
    public void close() {
        for (RespConnection c : conns.values()) c.close();
        conns.clear();
    }
}
