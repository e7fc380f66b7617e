package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisClusterTest {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();

    /** Which cluster the first test saw, to prove the class shares one. */
    private static volatile List<Long> seenPids;

    @Test
    void threeMastersOwnAllSlotsAndReplicasAreAttached() {
        RedisCluster c = cluster.get();
        assertSameClusterAcrossTests(c);
        System.out.println("cluster start-up: " + c.startupMillis() + " ms");

        assertThat(c.nodes()).hasSize(6);
        List<RedisServer> masters = c.masters();
        List<RedisServer> replicas = c.replicas();
        assertThat(masters).hasSize(3);
        assertThat(replicas).hasSize(3);

        for (RedisServer n : c.nodes()) {
            String info = n.cli("CLUSTER", "INFO");
            assertThat(RedisTools.infoField(info, "cluster_state")).isEqualTo("ok");
            assertThat(RedisTools.infoField(info, "cluster_slots_assigned")).isEqualTo("16384");
            assertThat(RedisTools.infoField(info, "cluster_slots_ok")).isEqualTo("16384");
            assertThat(RedisTools.infoField(info, "cluster_known_nodes")).isEqualTo("6");
            assertThat(RedisTools.infoField(info, "cluster_size")).isEqualTo("3");
            assertThat(n.cli("CONFIG", "GET", "cluster-node-timeout")).isEqualTo("cluster-node-timeout\n2000");
        }

        // CLUSTER NODES: <id> <ip:port@bus> <flags> <master-id> <ping> <pong> <epoch> <link> <slot>...
        String nodesText = c.nodes().get(0).cli("CLUSTER", "NODES");
        List<String[]> lines = nodesText.lines().map(l -> l.split(" ")).toList();
        assertThat(lines).hasSize(6);
        Map<String, String[]> byId = lines.stream().collect(Collectors.toMap(l -> l[0], l -> l));
        int slots = 0;
        Set<Integer> masterPorts = masters.stream().map(RedisServer::port).collect(Collectors.toSet());
        List<Integer> replicaOf = new ArrayList<>();
        for (String[] l : lines) {
            int port = Integer.parseInt(l[1].substring(l[1].indexOf(':') + 1, l[1].indexOf('@')));
            assertThat(l[1]).startsWith("127.0.0.1:");
            if (l[2].contains("master")) {
                assertThat(masterPorts).as(nodesText + "\n" + c.describe()).contains(port);
                int owned = 0;
                for (int i = 8; i < l.length; i++) {
                    String[] range = l[i].split("-");
                    int from = Integer.parseInt(range[0]);
                    int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
                    owned += to - from + 1;
                }
                assertThat(owned).isGreaterThan(5000);
                slots += owned;
            } else {
                assertThat(l[2]).contains("slave");
                assertThat(l[7]).isEqualTo("connected");
                String[] master = byId.get(l[3]);
                assertThat(master[2]).contains("master");
                replicaOf.add(Integer.parseInt(master[1].substring(master[1].indexOf(':') + 1, master[1].indexOf('@'))));
            }
        }
        assertThat(slots).isEqualTo(16384);
        assertThat(replicaOf).containsExactlyInAnyOrderElementsOf(masterPorts); // one replica per master

        for (RedisServer r : replicas) {
            assertThat(r.infoField("replication", "master_link_status")).isEqualTo("up");
            assertThat(masterPorts).contains(Integer.parseInt(r.infoField("replication", "master_port")));
        }

        assertThat(c.seedUri()).matches("redis-cluster://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+");
        for (String hp : c.seedUri().substring("redis-cluster://".length()).split(",")) {
            assertThat(masterPorts).contains(Integer.parseInt(hp.split(":")[1]));
        }
    }

    @Test
    void keysSpreadOverMastersAndFlushAllEmptiesEveryNode() {
        RedisCluster c = cluster.get();
        assertSameClusterAcrossTests(c);
        assertThat(c.dbSize()).isZero(); // flushBeforeEach

        RedisServer any = c.nodes().get(0);
        for (int i = 0; i < 30; i++) {
            // -c: follow MOVED redirections
            assertThat(any.cli("-c", "SET", "key:" + i, "v" + i)).isEqualTo("OK");
        }
        assertThat(c.dbSize()).isEqualTo(30);
        assertThat(c.masters()).allSatisfy(m -> assertThat(m.dbSize()).isPositive());
        assertThat(any.cli("-c", "GET", "key:17")).isEqualTo("v17");

        c.flushAll();
        assertThat(c.nodes()).allSatisfy(n -> assertThat(n.dbSize()).isZero());
    }

    private static synchronized void assertSameClusterAcrossTests(RedisCluster c) {
        List<Long> pids = c.nodes().stream().map(RedisServer::pid).toList();
        if (seenPids == null) {
            seenPids = pids;
        }
        assertThat(pids).isEqualTo(seenPids);
        assertThat(c.nodes()).allSatisfy(n -> assertThat(n.isAlive()).isTrue());
    }
}
