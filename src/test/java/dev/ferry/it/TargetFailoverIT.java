package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Workload;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A target master that fails over under a live copy (a forced cluster failover, a Sentinel failover) may lose
 * writes it had confirmed and its replica never got. Ferry notices the new master, starts again from the
 * checkpoints the new master holds, and sends what is missing again from the source's backlog: the target ends
 * equal to the source, non-repeatable writes included. (Before, the copy went on and the lost writes stayed lost.)
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TargetFailoverIT {
    private static CompletableFuture<Cli.Result> replicate(RedisServer source, String target) {
        return CompletableFuture.supplyAsync(() -> Cli.run("replicate", "--source", source.uri(), "--target", target, "-q",
                "--run-for", "16", "--reconnect-timeout", "60"));
    }

    private static void assertFailoverHandled(RedisServer source, Cli.Result r, Supplier<Map<String, String>> target) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).contains("target failover: ").contains("continuing from the checkpoints");
        assertThat(r.out()).as(r.toString()).contains("failed            0");
        Map<String, String> s = Datasets.perKey(source);
        assertThat(LiveRun.differences(s, target.get())).as("keys that differ (%d on the source)", s.size()).isEmpty();
    }

    @Test
    void aForcedClusterFailoverOfATargetMasterLosesNothing() throws Exception {
        try (RedisServer source = RedisServer.builder().name("failover-source").start();
             RedisCluster target = RedisCluster.builder().masters(3).replicasPerMaster(1).start()) {
            source.cli("CONFIG", "SET", "repl-backlog-size", "256mb");
            Workload load = Workload.on(source).seed(41).keys(600).separateExpiry().rate(3000).start();
            CompletableFuture<Cli.Result> run = replicate(source, "redis-cluster://" + target.hostsAndPorts().get(0));
            Thread.sleep(5000);
            RedisServer replica = target.replicas().get(0);
            assertThat(replica.cli("CLUSTER", "FAILOVER", "FORCE").trim()).isEqualTo("OK");
            Thread.sleep(5000);
            load.stop();
            Cli.Result r = run.get(120, TimeUnit.SECONDS);
            assertFailoverHandled(source, r, () -> Datasets.perKey(target));
        }
    }

    @Test
    void aSentinelFailoverOfTheTargetLosesNothing() throws Exception {
        try (RedisServer source = RedisServer.builder().name("sentinel-failover-source").start();
             RedisSentinelSetup target = RedisSentinelSetup.builder().start()) {
            source.cli("CONFIG", "SET", "repl-backlog-size", "256mb");
            Workload load = Workload.on(source).seed(43).keys(600).separateExpiry().rate(3000).start();
            CompletableFuture<Cli.Result> run = replicate(source, target.uri());
            Thread.sleep(5000);
            RedisServer promoted = target.failover();
            Thread.sleep(3000);
            load.stop();
            Cli.Result r = run.get(120, TimeUnit.SECONDS);
            assertFailoverHandled(source, r, () -> Datasets.perKey(promoted));
            assertThat(List.of(promoted.infoField("replication", "role"))).containsExactly("master");
        }
    }
}
