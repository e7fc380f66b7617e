package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RedisUri.HostPort;
import org.junit.jupiter.api.Test;

class TopologyTest {
    @Test
    void mastersFollowARedirectThatMovesASlot() {
        HostPort a = new HostPort("127.0.0.1", 7000);
        HostPort b = new HostPort("127.0.0.1", 7001);
        Topology t = Topology.single(a);
        assertThat(t.masters()).containsExactly(a);
        assertThat(t.ownerOf(42)).isEqualTo(a);
        t.moved(42, b);
        assertThat(t.ownerOf(42)).isEqualTo(b);
        assertThat(t.masters()).containsExactly(a, b);
        t.moved(42, a);
        assertThat(t.masters()).containsExactly(a);
    }
}
