package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A Dragonfly in {@code --cluster_mode=emulated} says {@code cluster_enabled:1} and answers CLUSTER SLOTS with one
 * range owned by itself, yet takes SELECT of other dbs and checks no slots: the writer takes it for the one node
 * with several dbs it is. Decided from the server's answers, as a real Dragonfly 1.40.1 gives them.
 */
class EmulatedClusterTest {
    private static final ServerInfo DF_CLUSTER = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 12, Set.of(), true, true);

    private static Reply bulk(String s) {
        return new Reply.Bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    /** CLUSTER SLOTS: ranges of {from, to, [host, port, id]}. */
    private static Reply slots(int... bounds) {
        List<Reply> ranges = new java.util.ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) {
            ranges.add(new Reply.Array(List.of(new Reply.Int(bounds[i]), new Reply.Int(bounds[i + 1]),
                    new Reply.Array(List.of(bulk("127.0.0.1"), new Reply.Int(6379 + i), bulk("c4f1e3d0a9"))))));
        }
        return new Reply.Array(ranges);
    }

    @Test
    void oneRangeOfEverySlotAndSelectAllowedIsEmulated() {
        assertThat(Topology.emulatedCluster(DF_CLUSTER, slots(0, 16383), Reply.OK)).isTrue();
        // a Dragonfly started with one db still emulates: SELECT 1 is out of range, not refused for cluster mode
        assertThat(Topology.emulatedCluster(DF_CLUSTER, slots(0, 16383), new Reply.Error("ERR DB index is out of range"))).isTrue();
    }

    @Test
    void aRealClusterIsNot() {
        // real cluster mode with one node owning every slot: SELECT of another db is refused
        assertThat(Topology.emulatedCluster(DF_CLUSTER, slots(0, 16383),
                new Reply.Error("ERR SELECT is not allowed in cluster mode"))).isFalse();
        assertThat(Topology.emulatedCluster(DF_CLUSTER, slots(0, 8191, 8192, 16383), Reply.OK)).as("two nodes").isFalse();
        assertThat(Topology.emulatedCluster(DF_CLUSTER, slots(0, 100), Reply.OK)).as("slots uncovered").isFalse();
        ServerInfo redisCluster = new ServerInfo(ServerInfo.Engine.REDIS, "7.0.15", 10, Set.of(), true, true);
        assertThat(Topology.emulatedCluster(redisCluster, slots(0, 16383), Reply.OK)).as("Redis").isFalse();
        ServerInfo plain = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 12, Set.of(), false, true);
        assertThat(Topology.emulatedCluster(plain, slots(0, 16383), Reply.OK)).as("not in cluster mode").isFalse();
        assertThat(Topology.emulatedCluster(DF_CLUSTER, new Reply.Error("ERR Cluster is disabled"), Reply.OK)).isFalse();
        assertThat(Topology.emulatedCluster(DF_CLUSTER, slots(0, 16383),
                new Reply.Error("NOPERM this user has no permissions to run the 'select' command"))).as("unknown: a cluster, as it says").isFalse();
    }

    @Test
    void anEmulatedClusterIsWrittenToAsOneNodeWithItsDbs() {
        ServerInfo info = DF_CLUSTER.asEmulatedCluster();
        assertThat(info.cluster()).as("no slot routing, no db-0-only refusal").isFalse();
        assertThat(info.emulatedCluster()).isTrue();
        assertThat(info.describe()).isEqualTo("Dragonfly 1.40.1 (cluster mode emulated: one node)");
    }

    @Test
    void dragonflysRestoreFooterIsItsOwnRdbVersion() {
        assertThat(ServerInfo.rdbVersionOfDragonfly("1.6.2")).isEqualTo(9);
        assertThat(ServerInfo.rdbVersionOfDragonfly("1.7.0")).isEqualTo(11);
        assertThat(ServerInfo.rdbVersionOfDragonfly("1.23.2")).isEqualTo(11);
        assertThat(ServerInfo.rdbVersionOfDragonfly("1.24.0")).isEqualTo(12);
        assertThat(ServerInfo.rdbVersionOfDragonfly("v1.40.1")).isEqualTo(12);
    }

    @Test
    void dragonflysVersionIsItsReleaseNumberNotItsRedisVersion() {
        // as a real Dragonfly 1.40.1 answers INFO server: its tag, and the Redis version it claims
        String version = Topology.version(Topology.parseInfo("# Server\r\nredis_version:7.4.0\r\n"
                + "dragonfly_version:df-v1.40.1\r\nredis_mode:cluster\r\n"));
        assertThat(version).isEqualTo("1.40.1");
        ServerInfo df = new ServerInfo(ServerInfo.Engine.DRAGONFLY, version, 12, Set.of(), false, true);
        assertThat(df.atLeast(1, 40)).isTrue();
        assertThat(df.atLeast(1, 41)).isFalse();
        assertThat(Topology.version(Topology.parseInfo("redis_version:7.0.15\r\n"))).isEqualTo("7.0.15");
    }
}
