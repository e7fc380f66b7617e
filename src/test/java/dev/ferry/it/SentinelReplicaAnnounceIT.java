package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.RedisSentinelExtension;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ferry replicating from a Sentinel-managed master is one of the master's replicas, so the master lists it in
 * {@code INFO replication}, where Sentinel discovers replicas. Ferry has no port to connect to: Sentinel must not
 * adopt it (a replica that is down forever, kept in Sentinel's config as {@code known-replica ... 0}), and
 * {@code WAIT} on the master must still count it.
 */
class SentinelReplicaAnnounceIT {
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension(b -> b.sentinels(1).quorum(1));
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    @Test
    void sentinelDoesNotAdoptFerryAndWaitStillCountsIt() throws Exception {
        RedisSentinelSetup s = sentinel.get();
        RedisServer master = s.master();
        int replicaPort = s.replicas().get(0).port();
        master.cli("SET", "before", "1");
        try (LiveRun run = LiveRun.start(s.uri(), target.get().uri())) {
            run.awaitSnapshot();
            // Ferry's line is in the master's INFO (the real replica's line and Ferry's) ...
            awaitUntil("the master lists Ferry", () -> replicaLines(master).size() == 2);
            String ferryLine = replicaLines(master).stream().filter(l -> !l.contains("port=" + replicaPort + ","))
                    .findFirst().orElseThrow();
            // ... before a new replica joins: the INFO in which Sentinel discovers that replica lists Ferry too
            try (RedisServer late = RedisServer.builder().name("late-replica").replicaOf(master.host(), master.port()).start()) {
                awaitUntil("the master lists the late replica", () -> replicaLines(master).stream()
                        .anyMatch(l -> l.contains("port=" + late.port() + ",") && l.contains("state=online")));
                for (RedisServer sen : s.sentinels()) {
                    awaitUntil("Sentinel " + sen.port() + " discovers the late replica",
                            () -> sentinelReplicaPorts(sen, s.masterName()).contains(late.port()));
                    assertThat(sentinelReplicaPorts(sen, s.masterName())).as("Sentinel's replicas while the master lists %s", ferryLine)
                            .containsExactlyInAnyOrder(replicaPort, late.port());
                    assertThat(knownReplicaLines(sen)).as("Sentinel's config")
                            .containsExactlyInAnyOrder(
                                    "sentinel known-replica " + s.masterName() + " 127.0.0.1 " + replicaPort,
                                    "sentinel known-replica " + s.masterName() + " 127.0.0.1 " + late.port());
                }
                // WAIT counts Ferry once the target holds the write: 2 real replicas + Ferry
                master.cli("SET", "after", "2");
                assertThat(master.cli("WAIT", "3", "20000")).isEqualTo("3");
            }
            assertThat(run.stop().stats().failedCount()).isZero();
        }
        assertThat(target.get().cli("GET", "after")).isEqualTo("2");
    }

    private static List<String> replicaLines(RedisServer master) {
        List<String> lines = new ArrayList<>();
        for (String l : master.info("replication").split("\r?\n")) {
            if (l.matches("slave\\d+:.*")) lines.add(l);
        }
        return lines;
    }

    /** The ports {@code SENTINEL REPLICAS} lists (a flat name/value reply per replica, as redis-cli prints it). */
    private static Set<Integer> sentinelReplicaPorts(RedisServer sen, String masterName) {
        Set<Integer> ports = new TreeSet<>();
        List<String> lines = sen.cli("SENTINEL", "REPLICAS", masterName).lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).equals("port")) ports.add(Integer.parseInt(lines.get(i + 1)));
        }
        return ports;
    }

    private static List<String> knownReplicaLines(RedisServer sen) throws Exception {
        Path conf = sen.dir().resolve("sentinel.conf");
        return Files.readAllLines(conf).stream().filter(l -> l.startsWith("sentinel known-replica ")).toList();
    }

    private static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as(what).isLessThan(deadline);
            LiveRun.sleep(50);
        }
    }
}
