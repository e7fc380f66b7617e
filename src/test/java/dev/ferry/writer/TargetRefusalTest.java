package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.server.ServerInfo;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which targets the writer refuses before writing, from what the probe learned: a cluster has db 0 only. */
class TargetRefusalTest {
    private static final HostPort AT = new HostPort("127.0.0.1", 6379);
    private static final ServerInfo DF_CLUSTER = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 12, Set.of(), true, true);

    @Test
    void aDragonflyEmulatingClusterModeTakesAnyDbUnderAnyUri() {
        ServerInfo emulated = DF_CLUSTER.asEmulatedCluster();
        assertThat(TargetWriter.refusal(RedisUri.parse("dragonfly://127.0.0.1:6379/3"), emulated, AT)).isNull();
        assertThat(TargetWriter.refusal(RedisUri.parse("redis://127.0.0.1:6379/3"), emulated, AT)).isNull();
        assertThat(TargetWriter.refusal(RedisUri.parse("redis-cluster://127.0.0.1:6379"), emulated, AT)).isNull();
    }

    @Test
    void aRealClusterHasDbZeroOnly() {
        assertThat(TargetWriter.refusal(RedisUri.parse("dragonfly://127.0.0.1:6379/3"), DF_CLUSTER, AT))
                .isEqualTo("a cluster target has only db 0, not db 3");
        assertThat(TargetWriter.refusal(RedisUri.parse("dragonfly://127.0.0.1:6379"), DF_CLUSTER, AT)).isNull();
        ServerInfo plainDf = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 12, Set.of(), false, true);
        assertThat(TargetWriter.refusal(RedisUri.parse("redis-cluster://127.0.0.1:6379"), plainDf, AT))
                .isEqualTo("target 127.0.0.1:6379 is not in cluster mode: use redis://127.0.0.1:6379");
    }
}
