package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consolidation move: a Redis Cluster (3 masters with replicas) into one server, the applications moved by the
 * operator's {@code --exec} hook. Every master is paused and drained; each one's acknowledged writes are on the
 * target; every old master refuses writes afterwards; the replicate ends by itself.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CutoverClusterIT {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private RedisServer target;
    private final List<CutoverIT.AppWriter> apps = new ArrayList<>();
    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        for (CutoverIT.AppWriter a : apps) a.stop();
        if (target != null) target.close();
    }

    @Test
    void aClusterIsCutOverIntoOneServerWithTheHook(RedisCluster cluster) throws Exception {
        cluster.flushAll();
        target = RedisServer.builder().name("one-node").start();
        CompletableFuture<Cli.Result> replicate = CompletableFuture.supplyAsync(
                () -> Cli.run("replicate", "--source", cluster.seedUri(), "--target", target.uri(), "-q"));
        // live once every master's shard wrote its position
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            String fields = target.cli("HKEYS", Datasets.CHECKPOINT_PREFIX + "{1bz}");
            if (fields.contains("at:0") && fields.contains("at:1") && fields.contains("at:2")) break;
            assertThat(replicate).as("the replicate ended early").isNotDone();
            assertThat(System.currentTimeMillis()).as("replicate live in time").isLessThan(deadline);
            Thread.sleep(50);
        }
        // one application per master, each writing the list "seq" of a key that master owns
        List<RedisServer> masters = cluster.masters();
        RedisServer owner = masters.stream().filter(m -> !m.cli("GET", "seq").startsWith("MOVED")).findFirst().orElseThrow();
        apps.add(new CutoverIT.AppWriter(owner));
        Thread.sleep(1_000);

        Path log = tmp.resolve("hook.log");
        Cli.Result r = Cli.run("cutover", "--source", cluster.seedUri(), "--target", target.uri(),
                "--exec", "echo \"$FERRY_TARGET_HOST:$FERRY_TARGET_PORT\" >> " + log);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("writes paused on 3 masters");
        assertThat(Files.readAllLines(log)).containsExactly("127.0.0.1:" + target.port());
        for (RedisServer m : masters) assertThat(r.out()).contains("final position 127.0.0.1:" + m.port());

        CutoverIT.AppWriter app = apps.get(0);
        app.stop();
        assertThat(app.acked.size()).isGreaterThan(100);
        List<Long> onTarget = new ArrayList<>();
        for (String n : target.cli("LRANGE", "seq", "0", "-1").trim().split("\n")) onTarget.add(Long.parseLong(n.trim()));
        assertThat(onTarget).as("every acknowledged write exactly once, in order").isEqualTo(app.acked);
        for (RedisServer m : masters) {
            assertThat(m.cli("CONFIG", "GET", "min-replicas-to-write")).as("old master " + m.port() + " refuses writes")
                    .contains("1000000");
        }
        assertThat(owner.cli("RPUSH", "seq", "0")).contains("NOREPLICAS");
        Cli.Result rep = replicate.get(30, TimeUnit.SECONDS);
        assertThat(rep.exitCode()).as(rep.toString()).isZero();
        assertThat(rep.out().lines().findFirst().orElse("")).startsWith("Cut over at ");
        assertThat(Datasets.perKey(target)).isEqualTo(Datasets.perKey(cluster));
    }
}
