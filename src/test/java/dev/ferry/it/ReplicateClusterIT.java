package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Workload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis Cluster sources and targets with the replica protocol, under a concurrent workload of every type:
 * three masters consolidated into one standalone server (also across a failover of a source master), and a
 * standalone source spread over a cluster. Each ends with the target equal to the source key by key.
 */
class ReplicateClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension standalone = new RedisServerExtension(b -> b.name("standalone")).flushBeforeEach();

    /** Source data as the target should hold it: the cluster's keys, all in db 0. */
    private static Map<String, String> clusterData(RedisCluster c) {
        return new TreeMap<>(Datasets.perKey(c));
    }

    /** After a workload: let every TTL it set run out and the source replicate the expiry DELs. */
    private static void settle(Runnable touchSource) {
        LiveRun.sleep(2_200);
        touchSource.run(); // a SCAN over the source expires what is due, and the DELs go down the stream
    }

    @Test
    void clusterIntoOneStandaloneFollowsAWorkloadAndAFailover() throws Exception {
        RedisCluster c = cluster.get();
        Workload before = Workload.on(c).seed(11).keys(1500).separateExpiry();
        before.runFor(Duration.ofMillis(800)); // data for the snapshot
        try (LiveRun run = LiveRun.start(c.seedUri(), standalone.get().uri())) {
            Workload load = Workload.on(c).seed(12).keys(1500).separateExpiry().rate(4000).start();
            run.awaitSnapshot();
            LiveRun.sleep(1_500);
            RedisServer replica = c.replicas().get(0);
            CompletableFuture<String> failover = CompletableFuture.supplyAsync(() -> replica.cli("CLUSTER", "FAILOVER"));
            assertThat(failover.get()).isEqualTo("OK");
            long until = System.currentTimeMillis() + 10_000;
            while (!"master".equals(replica.infoField("replication", "role")) && System.currentTimeMillis() < until) {
                LiveRun.sleep(50);
            }
            LiveRun.sleep(1_500);
            Workload.Stats stats = load.stop();
            assertThat(stats.ops()).isGreaterThan(3000);
            settle(() -> Datasets.perKey(c));
            run.awaitCaughtUp(c);
            ReplicateJob.Result r = run.stop();
            assertThat(LiveRun.unexplainedFailures(r)).isEmpty();
            assertThat(r.source().shards()).as("the failed-over shard resumed").anyMatch(s -> s.partialSyncs() > 0);
        }
        assertThat(LiveRun.differences(clusterData(c), Datasets.perKey(standalone.get()))).isEmpty();
    }

    /**
     * Three source masters into one target connection: each master's non-repeatable writes go in MULTI blocks with
     * their checkpoint, and another master's command must never fall inside one (it did: "MULTI calls can not be
     * nested", "EXEC without MULTI"), whatever the threads' interleaving.
     */
    @Test
    void mastersSharingOneTargetConnectionKeepEveryBlockWhole() throws Exception {
        RedisCluster c = cluster.get();
        Workload load = Workload.on(c).seed(13).keys(1500).separateExpiry().rate(4000).start();
        java.util.concurrent.CompletableFuture<dev.ferry.cli.Cli.Result> run = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> dev.ferry.cli.Cli.run("replicate", "--source", c.seedUri(), "--target", standalone.get().uri(), "-q",
                        "--connections", "1", "--run-for", "8"));
        LiveRun.sleep(5_000);
        Workload.Stats stats = load.stop();
        assertThat(stats.ops()).isGreaterThan(3000);
        dev.ferry.cli.Cli.Result r = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("failed            0");
        settle(() -> Datasets.perKey(c));
        assertThat(LiveRun.differences(clusterData(c), Datasets.perKey(standalone.get()))).isEmpty();
    }

    @Test
    void standaloneSpreadOverACluster() {
        RedisServer s = standalone.get();
        Workload.on(s).seed(21).keys(1500).separateExpiry().runFor(Duration.ofMillis(800));
        try (LiveRun run = LiveRun.start(s.uri(), cluster.get().seedUri())) {
            Workload load = Workload.on(s).seed(22).keys(1500).separateExpiry().rate(5000).start();
            run.awaitSnapshot();
            LiveRun.sleep(2_500);
            assertThat(load.stop().ops()).isGreaterThan(3000);
            settle(() -> Datasets.perKey(s));
            run.awaitCaughtUp(List.of(s));
            ReplicateJob.Result r = run.stop();
            assertThat(LiveRun.unexplainedFailures(r)).isEmpty();
            assertThat(r.commandsApplied()).isGreaterThan(1000);
        }
        assertThat(LiveRun.differences(Datasets.perKey(s), clusterData(cluster.get()))).isEmpty();
    }
}
