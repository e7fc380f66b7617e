package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.server.NodeIdentity;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LoopCheckTest {
    private static NodeIdentity node(int port, String runId, String role, HostPort master, String replId) {
        return new NodeIdentity(new HostPort("127.0.0.1", port), runId, role, master, replId, new TreeMap<>());
    }

    @Test
    void theSameProcessBehindTwoAddressesIsOneServer() {
        String why = LoopCheck.loop(node(7000, "abc", "master", null, "r1"), node(7001, "abc", "master", null, "r1"));
        assertThat(why).startsWith("source 127.0.0.1:7000 and target 127.0.0.1:7001 are the same server (run_id abc)");
    }

    @Test
    void aSourceThatFollowsTheTargetIsALoop() {
        NodeIdentity target = node(7001, "t", "master", null, "r1");
        assertThat(LoopCheck.loop(node(7000, "s", "slave", new HostPort("127.0.0.1", 7001), "r1"), target))
                .startsWith("the source 127.0.0.1:7000 is a replica of the target 127.0.0.1:7001");
        // known by its history alone, when the replica names its master by another address
        assertThat(LoopCheck.loop(node(7000, "s", "slave", new HostPort("10.9.9.9", 1), "r1"), target))
                .startsWith("the source 127.0.0.1:7000 is a replica of the target");
    }

    @Test
    void aTargetThatSharesTheSourcesHistoryIsItsReplica() {
        assertThat(LoopCheck.loop(node(7000, "s", "master", null, "r1"), node(7001, "t", "master", null, "r1")))
                .startsWith("the target 127.0.0.1:7001 is a replica of the source 127.0.0.1:7000");
    }

    @Test
    void unrelatedServersPass() {
        assertThat(LoopCheck.loop(node(7000, "s", "master", null, "r1"), node(7001, "t", "master", null, "r2"))).isNull();
        assertThat(LoopCheck.loop(node(7000, null, "master", null, null), node(7001, null, "master", null, null))).isNull();
    }
}
