package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A 3-master cluster source scanned in parallel, one shard per master, into a standalone target. */
class ScanClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension(b -> b.replicasPerMaster(0)).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("scancl-dst")).flushBeforeEach();

    /** Sends a command to the master owning its key, following MOVED. */
    private static final class ClusterClient implements AutoCloseable {
        private final Map<Integer, RespConnection> byPort = new HashMap<>();

        ClusterClient(RedisCluster c) {
            for (RedisServer m : c.masters()) byPort.put(m.port(), Datasets.connect(m));
        }

        Reply call(String... args) {
            RespConnection conn = byPort.values().iterator().next();
            for (int i = 0; i < 3; i++) {
                Reply r = conn.call(args);
                if (!(r instanceof Reply.Error e) || !e.code().equals("MOVED")) return r;
                String hp = e.message().split(" ")[2];
                conn = byPort.get(Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1)));
            }
            throw new AssertionError("MOVED loop for " + List.of(args));
        }

        @Override
        public void close() {
            byPort.values().forEach(RespConnection::close);
        }
    }

    @Test
    void snapshotAndLiveChangesOfEveryMasterReachTheTarget() throws Exception {
        RedisCluster c = cluster.get();
        try (ClusterClient cc = new ClusterClient(c)) {
            for (int i = 0; i < 600; i++) {
                cc.call("SET", "s:" + i, "v" + i);
                if (i % 3 == 0) cc.call("HSET", "h:" + i, "f", "x" + i, "g", "y");
                if (i % 5 == 0) cc.call("ZADD", "z:" + i, Integer.toString(i), "m");
                if (i % 7 == 0) cc.call("PEXPIRE", "s:" + i, "600000");
            }
            try (ScanRun run = new ScanRun(c.seedUri(), target.get().uri(),
                    ScanSettings.defaults().withLive(true).withSetNotifyConfig(true).withBatchSize(64))) {
                assertThat(run.source.shards()).hasSize(3);
                run.source.snapshot();
                for (var shard : run.source.shards()) assertThat(shard.keysRead.sum()).isPositive();
                run.source.followLive();
                for (int i = 0; i < 300; i++) {
                    cc.call("SET", "s:" + i, "changed" + i);
                    cc.call("RPUSH", "l:" + i, "a", "b");
                }
                run.source.stop();
                assertThat(run.source.counters().eventsReceived.sum()).isGreaterThanOrEqualTo(600);
                assertThat(run.stats.failedCount()).isZero();
            }
        }
        assertThat(PerKeyDiff.of(Datasets.perKey(c), Datasets.perKey(target.get()))).isEmpty();
        assertThat(target.get().dbSize()).isEqualTo(c.dbSize());
    }
}
