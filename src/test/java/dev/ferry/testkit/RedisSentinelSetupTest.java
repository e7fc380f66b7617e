package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisSentinelSetupTest {

    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension(b -> b.masterName("ferrymaster"));

    @Test
    void reportsMasterAndFailsOver(RedisSentinelSetup setup) {
        System.out.println("sentinel start-up: " + setup.startupMillis() + " ms");
        RedisServer first = setup.servers().get(0);
        RedisServer second = setup.servers().get(1);

        assertThat(setup.sentinels()).hasSize(3);
        assertThat(setup.uri()).isEqualTo("redis-sentinel://127.0.0.1:" + setup.sentinels().get(0).port()
                + ",127.0.0.1:" + setup.sentinels().get(1).port() + ",127.0.0.1:" + setup.sentinels().get(2).port()
                + "/ferrymaster");
        assertThat(setup.master()).isSameAs(first);
        assertThat(setup.replicas()).containsExactly(second);
        assertThat(first.infoField("replication", "role")).isEqualTo("master");
        assertThat(second.infoField("replication", "role")).isEqualTo("slave");
        assertThat(second.infoField("replication", "master_port")).isEqualTo(String.valueOf(first.port()));
        for (RedisServer s : setup.sentinels()) {
            assertThat(s.infoField("server", "redis_mode")).isEqualTo("sentinel");
            assertThat(s.cli("SENTINEL", "CKQUORUM", "ferrymaster"))
                    .isEqualTo("OK 3 usable Sentinels. Quorum and failover authorization can be reached");
            assertThat(s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "ferrymaster").lines().toList())
                    .containsExactly("127.0.0.1", String.valueOf(first.port()));
        }

        first.cliScript("SET before-failover 1\nWAIT 1 5000\n");

        RedisServer promoted = setup.failover();
        System.out.println("sentinel failover: " + setup.lastFailoverMillis() + " ms");
        assertThat(promoted).isSameAs(second);
        assertThat(setup.master()).isSameAs(second);
        for (RedisServer s : setup.sentinels()) {
            assertThat(s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "ferrymaster").lines().toList())
                    .containsExactly("127.0.0.1", String.valueOf(second.port()));
        }
        assertThat(second.infoField("replication", "role")).isEqualTo("master");
        assertThat(second.cli("GET", "before-failover")).isEqualTo("1");
        assertThat(second.cli("SET", "after-failover", "2")).isEqualTo("OK");
        assertThat(first.infoField("replication", "role")).isEqualTo("slave");
        assertThat(first.infoField("replication", "master_port")).isEqualTo(String.valueOf(second.port()));
        assertThat(first.infoField("replication", "master_link_status")).isEqualTo("up");

        // and back again: the setup stays usable after a failover
        assertThat(setup.failover()).isSameAs(first);
        assertThat(setup.master()).isSameAs(first);
        assertThat(first.cli("GET", "after-failover")).isEqualTo("2");
        assertThat(setup.replicas()).isEqualTo(List.of(second));
    }
}
