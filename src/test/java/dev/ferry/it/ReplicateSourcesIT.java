package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.demo.SampleData;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisSentinelExtension;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The other ways to name a source: a Sentinel-managed master followed across a failover, the scan mode from
 * the command line, and the sources Ferry must refuse with a one-line reason.
 */
class ReplicateSourcesIT {
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension().flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension plain = new RedisServerExtension(b -> b.name("plain")).flushBeforeEach();
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @Test
    void sentinelSourceFollowsTheNewMaster() {
        RedisSentinelSetup s = sentinel.get();
        RedisServer before = s.master();
        try (LiveRun run = LiveRun.start(s.uri(), target.get().uri())) {
            Workload(before, 31);
            run.awaitSnapshot();
            Workload(before, 32);
            run.awaitCaughtUp(0, before);
            // Sentinel promotes a replica whether or not it has caught up; one that lags has a shorter history
            // than Ferry's, and then a full resync is the right answer. Here it has caught up.
            assertThat(before.cli("WAIT", "2", "10000")).as("the replica and Ferry (which acks what the target confirmed)").isEqualTo("2");
            RedisServer after = s.failover();
            assertThat(after.port()).isNotEqualTo(before.port());
            Workload(after, 33);
            LiveRun.sleep(2_200); // every short TTL the workload set runs out
            Datasets.perKey(after); // and a SCAN expires what is due, sending the DELs down the stream
            run.awaitCaughtUp(0, after);
            ReplicateJob.Result result = run.stop();
            assertThat(result.stats().failedCount()).isZero();
            // Sentinel's own hello messages (PUBLISH, replicated) keep advancing the old master's offset after the
            // promotion, so Ferry's history is longer than the new master's and Redis answers with a full resync,
            // as it would to any replica of the old master; Ferry then removes what it copied and copies again
            assertThat(result.source().shards()).anyMatch(shard -> shard.reconnects() > 0);
            assertThat(LiveRun.differences(Datasets.perKey(after), Datasets.perKey(target.get()))).isEmpty();
        }
    }

    private static void Workload(RedisServer s, long seed) {
        dev.ferry.testkit.Workload.on(s).seed(seed).keys(800).separateExpiry().runFor(Duration.ofMillis(700));
    }

    @Test
    void scanModeSnapshotFromTheCommandLine() {
        RedisServer s = plain.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 5);
        }
        Cli.Result r = Cli.run("replicate", "--scan", "--mode", "snapshot", "--source", s.uri(), "--target", target.get().uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Datasets.perKey(target.get())).isEqualTo(Datasets.perKey(s));
    }

    @Test
    void scanModeLiveSaysItIsWeaker() {
        RedisServer s = plain.get();
        s.cli("CONFIG", "SET", "notify-keyspace-events", "");
        Cli.Result refused = Cli.run("replicate", "--scan", "--run-for", "1", "--source", s.uri(), "--target", target.get().uri(), "-q");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("notify-keyspace-events").contains("--set-notify-config").doesNotContain("Exception");
        s.cli("SET", "k", "v");
        Cli.Result r = Cli.run("replicate", "--scan", "--set-notify-config", "--run-for", "2", "--source", s.uri(),
                "--target", target.get().uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("scan mode is weaker than replication");
        assertThat(target.get().cli("GET", "k")).isEqualTo("v");
    }

    @Test
    void wrongSourcesAreRefusedInOneLine() {
        RedisServer s = plain.get();
        Cli.Result df = Cli.run("replicate", "--source", "dragonfly://" + s.hostAndPort(), "--target", target.get().uri(), "-q");
        assertThat(df.exitCode()).isEqualTo(1);
        assertThat(df.err()).contains("is Redis").contains("not Dragonfly: use redis://" + s.hostAndPort());

        String node = cluster.get().masters().get(0).hostAndPort();
        Cli.Result cl = Cli.run("replicate", "--source", "redis://" + node, "--target", target.get().uri(), "-q");
        assertThat(cl.exitCode()).isEqualTo(1);
        assertThat(cl.err()).contains("is a cluster node: use redis-cluster://" + node);

        Cli.Result down = Cli.run("replicate", "--source", "redis://127.0.0.1:1", "--target", target.get().uri(), "-q");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.err().strip().lines().count()).as(down.err()).isEqualTo(1);
        assertThat(down.err()).contains("cannot connect to 127.0.0.1:1");

        Cli.Result mode = Cli.run("replicate", "--mode", "sometimes", "--source", s.uri(), "--target", target.get().uri());
        assertThat(mode.exitCode()).isEqualTo(2);
        assertThat(mode.err()).contains("--mode must be snapshot or live");
    }
}
