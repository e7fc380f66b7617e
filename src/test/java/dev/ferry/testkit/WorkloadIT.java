package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WorkloadIT {

    private static final List<String> TYPES = List.of("string", "hash", "list", "set", "zset", "stream");

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension().flushBeforeEach();

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();

    @Test
    void standaloneLoadWritesEveryTypeOverSeveralDbs() {
        Workload.Stats s = Workload.on(redis.get()).seed(11).dbs(2).runFor(Duration.ofSeconds(2));

        System.out.println("standalone: " + s);
        assertSane(s);
        Map<String, Long> db0 = typeCounts(redis.get(), 0);
        Map<String, Long> db1 = typeCounts(redis.get(), 1);
        assertThat(db0.keySet()).containsAll(TYPES);
        assertThat(db1.keySet()).containsAll(TYPES);
        assertThat(Datasets.functions(redis.get())).singleElement().asString().contains("ferry_workload");
    }

    @Test
    void clusterLoadStaysInOneSlotPerCommand() {
        Workload.Stats s = Workload.on(cluster.get()).seed(12).runFor(Duration.ofSeconds(2));

        System.out.println("cluster: " + s);
        assertSane(s);
        assertThat(s.errors("CROSSSLOT")).isZero();
        assertThat(s.errors("MOVED")).isZero();
        Map<String, Long> types = new TreeMap<>();
        for (RedisServer m : cluster.get().masters()) typeCounts(m, 0).forEach((t, n) -> types.merge(t, n, Long::sum));
        assertThat(types.keySet()).containsAll(TYPES);
        for (RedisServer m : cluster.get().masters()) assertThat(m.dbSize()).isPositive(); // spread over masters
    }

    @Test
    void clusterLoadFollowsAManualFailover() {
        RedisCluster c = cluster.get();
        Workload w = Workload.on(c).seed(13).start();
        RedisTools.await("load under way", Duration.ofSeconds(5), Duration.ofMillis(10), () -> w.opsDone() > 2000,
                () -> "ops " + w.opsDone());
        RedisServer replica = c.replicas().get(0);
        assertThat(replica.cli("CLUSTER", "FAILOVER")).isEqualTo("OK");
        RedisTools.await("replica promoted", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> "master".equals(replica.infoField("replication", "role")), c::describe);
        long atFailover = w.opsDone();
        RedisTools.await("load continuing", Duration.ofSeconds(10), Duration.ofMillis(10),
                () -> w.opsDone() > atFailover + 5000, () -> "ops " + w.opsDone());
        Workload.Stats s = w.stop();

        System.out.println("cluster failover: " + s);
        assertSane(s);
        assertThat(s.resent()).as("ops redirected to the new master").isPositive();
        assertThat(s.errors("MOVED")).as("MOVED left after retries").isZero();
    }

    @Test
    void hotKeyIncrementsOneKeyManyTimes() {
        Workload.Stats s = Workload.on(redis.get()).hotKey("int:hot", 5000);

        System.out.println("hot key: " + s);
        assertThat(s.ops()).isEqualTo(5000);
        assertThat(s.errorCount()).isZero();
        assertThat(redis.get().cli("GET", "int:hot")).isEqualTo("5000");
    }

    @Test
    void sameSeedSameCommands() {
        assertThat(commands(5, 3000)).isEqualTo(commands(5, 3000));
        assertThat(commands(5, 3000)).isNotEqualTo(commands(6, 3000));
    }

    private static void assertSane(Workload.Stats s) {
        assertThat(s.ops()).as(s.toString()).isGreaterThan(5000);
        assertThat(s.errors("WRONGTYPE")).as(s.toString()).isZero();
        assertThat(s.unexpectedErrors()).as(s.toString()).isLessThanOrEqualTo(s.ops() / 1000);
    }

    private static byte[] commands(long seed, int n) {
        WorkloadMix mix = new WorkloadMix(seed, 2000, 2);
        RespOutput out = new RespOutput(1 << 16);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            for (int i = 0; i < n; i++) {
                mix.next().encode(out);
                out.writeTo(bytes);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Keys per TYPE in one db, by SCAN ... TYPE. */
    private static Map<String, Long> typeCounts(RedisServer s, int db) {
        Map<String, Long> counts = new TreeMap<>();
        try (RespConnection c = Datasets.connect(s)) {
            c.callOk("SELECT", Integer.toString(db));
            for (String type : TYPES) {
                long n = 0;
                String cursor = "0";
                do {
                    List<Reply> r = c.callOk("SCAN", cursor, "COUNT", "1000", "TYPE", type).asList();
                    cursor = r.get(0).asText();
                    n += r.get(1).asList().size();
                } while (!cursor.equals("0"));
                if (n > 0) counts.put(type, n);
            }
        }
        return counts;
    }
}
