package dev.ferry.source.scan;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.Topology;
import java.util.List;

/** The masters a source URI stands for: one, the one Sentinel names, or every master of a cluster. */
record SourceMasters(List<HostPort> masters, boolean cluster) {

    static SourceMasters of(RedisUri uri) {
        ConnectOptions co = uri.connectOptions();
        if (uri.kind() == RedisUri.Kind.SENTINEL) {
            return new SourceMasters(List.of(Topology.resolveSentinelMaster(uri)), false);
        }
        if (uri.kind() == RedisUri.Kind.CLUSTER) {
            return new SourceMasters(Topology.ofCluster(uri.hosts(), co).masters(), true);
        }
        HostPort h = uri.first();
        try (RespConnection c = RespConnection.open(h, co)) {
            // a redis:// URI naming one node of a cluster still means the whole cluster's data
            if ("1".equals(Topology.info(c, "cluster").get("cluster_enabled"))) {
                return new SourceMasters(Topology.ofCluster(List.of(h), co).masters(), true);
            }
        } catch (RedisConnectionException e) {
            throw new RedisConnectionException("source " + uri.redacted() + ": " + e.getMessage());
        }
        return new SourceMasters(List.of(h), false);
    }
}
