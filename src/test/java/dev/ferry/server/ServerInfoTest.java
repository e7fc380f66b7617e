package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which module values a target can take, from what MODULE LIST answered. */
class ServerInfoTest {
    private static ServerInfo redis(Set<String> modules, boolean listed) {
        return new ServerInfo(ServerInfo.Engine.REDIS, "7.2.4", 11, modules, false, listed);
    }

    @Test
    void aTypeOfALoadedModuleGoesThrough() {
        assertThat(redis(Set.of("hellotype"), true).missingModule("hellotype")).isNull();
        assertThat(redis(Set.of("rejson"), true).missingModule("ReJSON-RL")).isNull();
        assertThat(redis(Set.of("bf"), true).missingModule("MBbloomCF")).isNull();
        assertThat(redis(Set.of("search"), true).missingModule("ft_invidx")).isNull();
    }

    @Test
    void aKnownTypeWithoutItsModuleIsRefusedNamingTheModule() {
        assertThat(redis(Set.of("bf"), true).missingModule("ReJSON-RL"))
                .isEqualTo("module value of type \"ReJSON-RL\": Redis 7.2.4 has no module \"rejson\" loaded (MODULE LIST: bf)");
        assertThat(redis(Set.of(), true).missingModule("hellotype"))
                .isEqualTo("module value of type \"hellotype\": Redis 7.2.4 has no module \"hellotype\" loaded (MODULE LIST: none)");
    }

    @Test
    void whatCannotBeKnownIsLeftToRestore() {
        // MODULE LIST refused: RESTORE decides, and a refusal is reported as a failed key
        assertThat(redis(Set.of(), false).missingModule("hellotype")).isNull();
        // an unknown type name while some module is loaded: that module may register it
        assertThat(redis(Set.of("mymod"), true).missingModule("othertype")).isNull();
    }

    @Test
    void dragonflyLoadsNoRedisModuleValues() {
        ServerInfo df = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 9, Set.of("rejson", "search"), false, true);
        assertThat(df.missingModule("ReJSON-RL")).contains("Dragonfly 1.40.1 loads no Redis module values");
    }
}
