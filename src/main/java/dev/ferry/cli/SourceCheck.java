package dev.ferry.cli;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.ServerInfo;
import dev.ferry.server.Topology;

/** Refuses a source URI that names the wrong engine, before anything is copied. */
final class SourceCheck {
    private SourceCheck() {
    }

    /** A dragonfly:// source must be Dragonfly: a Redis server behind it gets a message naming the right URI. */
    static void requireDragonfly(RedisUri src) {
        try (RespConnection c = RespConnection.open(src.hosts().get(0), src.connectOptions())) {
            ServerInfo info = Topology.probe(c);
            if (info.engine() != ServerInfo.Engine.DRAGONFLY) {
                throw new RedisConnectionException("source " + src.hosts().get(0) + " is " + info.describe()
                        + ", not Dragonfly: use redis://" + src.hosts().get(0));
            }
        }
    }
}
