package dev.ferry.it;

import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.KillLoop;
import dev.ferry.testkit.Preload;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Workload;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12 across clusters: {@code kill -9} of Ferry at 20 random points while it copies a 3-master Redis Cluster
 * (with replicas) into a cluster target under the non-idempotent workload, keys deleted while it is down, and between
 * two kills a {@code CLUSTER FAILOVER}: a replica takes over its master's slots, so the restart must find that shard's
 * stream on the new master (which keeps the old replication ID as its second one) and continue there.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KillResumeClusterIT {
    static final int KILLS = 20;
    static final int RATE = 3_000;

    @RegisterExtension
    static final RedisClusterExtension source = new RedisClusterExtension(b -> b.args("--repl-backlog-size", "256mb"))
            .flushBeforeEach();
    @RegisterExtension
    static final RedisClusterExtension target = new RedisClusterExtension(b -> b.replicasPerMaster(0)).flushBeforeEach();

    /** Each run's stdout and stderr, kept under target/kill-tests/ (see KillRuns.outputDir). */
    Path dir;

    @org.junit.jupiter.api.BeforeEach
    void outputDir(org.junit.jupiter.api.TestInfo info) {
        dir = KillRuns.outputDir(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    }

    @Test
    void clusterToClusterWithAFailoverBetweenTwoKills() {
        RedisCluster src = source.get();
        DatasetDiff.Side sourceSide = DatasetDiff.Side.of("source", src);
        DatasetDiff.Side targetSide = DatasetDiff.Side.of("target", target.get());
        long preloaded = Preload.on(src).seed(4).keys(KillResumeIT.PRELOAD).bigKeys(20, 5_000).run();
        Workload w = Workload.on(src).seed(24).separateExpiry().rate(RATE).start();
        String[] failedOver = new String[1];
        KillLoop loop = KillLoop.ferry(dir, "replicate", "--source", src.seedUri(), "--target", target.get().seedUri(),
                        "--target-owned")
                .seed(24).kills(KILLS).delays(400, 1_500, 0, 0, 0.2).lateAfterLive(300, 2_500).firstDelay(300, 1_000).checkpointProbe(() -> DatasetDiff.hasCheckpoint(targetSide))
                .whileDown(i -> {
                    KillRuns.deleteSome(i, sourceSide, 5);
                    if (i == KILLS / 2) failedOver[0] = failover(src);
                });
        try {
            loop.run();
            KillRuns.Outcome o = KillRuns.finish(loop, w, sourceSide, targetSide);
            System.out.println("cluster: " + preloaded + " keys preloaded; failover after kill " + KILLS / 2 + ": " + failedOver[0]);
            KillRuns.judge("cluster -> cluster", loop, o, true);
        } finally {
            loop.killLast();
            KillResumeIT.stopQuietly(w);
        }
    }

    /**
     * A restart that cannot resume in a cluster: while Ferry is down every source master's backlog shrinks to 16 KB
     * and the workload writes past it, so each shard's PSYNC is refused and the shard is copied again; its full sync
     * first removes what the earlier run copied of that shard from the cluster target (key by key: the shard is one
     * master of three), and the target ends equal to the source.
     */
    @Test
    void aShardThatCannotResumeIsCopiedAgainIntoTheClusterTarget() {
        RedisCluster src = source.get();
        DatasetDiff.Side sourceSide = DatasetDiff.Side.of("source", src);
        DatasetDiff.Side targetSide = DatasetDiff.Side.of("target", target.get());
        Preload.on(src).seed(7).keys(30_000).bigKeys(4, 2_000).run();
        Workload w = Workload.on(src).seed(27).separateExpiry().rate(RATE).start();
        KillLoop loop = KillLoop.ferry(dir, "replicate", "--source", src.seedUri(), "--target", target.get().seedUri(),
                        "--target-owned")
                .seed(27).kills(1).delays(0, 0, 0, 0, 0).lateAfterLive(1_500, 2_000)
                .checkpointProbe(() -> DatasetDiff.hasCheckpoint(targetSide))
                .whileDown(i -> {
                    KillRuns.deleteSome(i, sourceSide, 20);
                    for (RedisServer m : src.masters()) m.cli("CONFIG", "SET", "repl-backlog-size", "16384");
                    KillRuns.sleep(java.time.Duration.ofMillis(1_500)); // the workload writes far more than 16 KB meanwhile
                });
        try {
            loop.run();
            KillRuns.Outcome o = KillRuns.finish(loop, w, sourceSide, targetSide);
            System.out.println("== cluster, cannot resume: " + loop.history() + "\n  workload: " + o.workload()
                    + "\n  last run: exit " + o.end().exitCode() + "\n  end: " + (o.difference() == null ? "equal" : o.difference()));
            KillLoop.Attempt restart = loop.restarts().get(0);
            org.assertj.core.api.Assertions.assertThat(restart.checkpointFound()).as(loop.history()).isTrue();
            org.assertj.core.api.Assertions.assertThat(restart.fullSyncShards()).as("shards that said 'cannot resume'\n" + loop.history())
                    .isPositive();
            org.assertj.core.api.Assertions.assertThat(o.end().exitCode()).as(o.end().toString()).isZero();
            org.assertj.core.api.Assertions.assertThat(o.difference()).as("equal at the end (catching up: %s)", o.catchUp()).isNull();
        } finally {
            loop.killLast();
            KillResumeIT.stopQuietly(w);
            for (RedisServer m : src.nodes()) if (m.isAlive()) m.cli("CONFIG", "SET", "repl-backlog-size", "268435456");
        }
    }

    /** CLUSTER FAILOVER on a replica, then waits (at most 15 s) until it is master and every node says cluster_state:ok. */
    static String failover(RedisCluster c) {
        RedisServer replica = c.replicas().get(0);
        String reply = replica.cli("CLUSTER", "FAILOVER");
        if (!reply.equals("OK")) throw new AssertionError("CLUSTER FAILOVER on " + replica + ": " + reply);
        long deadline = System.currentTimeMillis() + 15_000;
        while (true) {
            boolean promoted = "master".equals(replica.infoField("replication", "role"));
            boolean ok = promoted && c.nodes().stream().allMatch(n -> n.cli("CLUSTER", "INFO").contains("cluster_state:ok"));
            if (ok) return replica.hostAndPort() + " promoted";
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("replica " + replica + " not promoted with the cluster ok within 15 s: " + c.describe());
            }
            KillRuns.sleep(java.time.Duration.ofMillis(50));
        }
    }
}
