package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.app.AppWritesCheck;
import dev.ferry.testkit.app.ReaskingAppClient;
import dev.ferry.testkit.app.SentinelAppClient;
import dev.ferry.testkit.app.SwitchEventAppClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The zero-downtime Sentinel move: a master with a replica and three Sentinels, a standalone target a running
 * {@code ferry replicate} keeps in step, and two kinds of application writing through Sentinel all along (one asks
 * Sentinel again after an error, like redis-py and go-redis; one moves only on {@code +switch-master}, like Jedis's
 * pool and Lettuce). After {@code ferry cutover} every Sentinel names the target, both applications write there by
 * themselves, every write they saw acknowledged is on the target exactly once, and the replicate ended by itself.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CutoverSentinelIT {
    private RedisSentinelSetup setup;
    private RedisServer target;

    @AfterEach
    void stop() {
        if (setup != null) setup.close();
        if (target != null) target.close();
    }

    private static HostPort address(RedisServer s) {
        return new HostPort(s.host(), s.port());
    }

    @Test
    void bothKindsOfApplicationMoveAndNoAcknowledgedWriteIsLost() throws Exception {
        setup = RedisSentinelSetup.builder().sentinels(3).start();
        target = RedisServer.builder().name("new-master").start();
        RedisServer oldMaster = setup.master();
        oldMaster.cli("SET", "before", "1");
        CompletableFuture<Cli.Result> replicate = CompletableFuture.supplyAsync(
                () -> Cli.run("replicate", "--source", setup.uri(), "--target", target.uri(), "-q"));
        long deadline = System.currentTimeMillis() + 60_000;
        while (!target.cli("HGET", Datasets.CHECKPOINT_PREFIX + "{1bz}", "at:0").startsWith("repl ")) {
            assertThat(replicate).as("the replicate ended early").isNotDone();
            assertThat(System.currentTimeMillis()).as("replicate live in time").isLessThan(deadline);
            Thread.sleep(50);
        }

        List<HostPort> sentinels = setup.sentinels().stream().map(CutoverSentinelIT::address).toList();
        // a write held by the pause must not time out: longer than --max-pause
        ReaskingAppClient reasking = new ReaskingAppClient(sentinels, setup.masterName(), "app:reask");
        SwitchEventAppClient onEvent = new SwitchEventAppClient(sentinels, setup.masterName(), "app:event");
        reasking.readTimeout(Duration.ofSeconds(8));
        onEvent.readTimeout(Duration.ofSeconds(8));
        Cli.Result r;
        try {
            reasking.start();
            onEvent.start();
            reasking.awaitAcksOn(address(oldMaster), 50, Duration.ofSeconds(10));
            onEvent.awaitAcksOn(address(oldMaster), 50, Duration.ofSeconds(10));

            r = Cli.run("cutover", "--source", setup.uri(), "--target", target.uri());
            assertThat(r.exitCode()).as(r.toString()).isZero();

            // nothing tells the applications but what each listens to: an error, or the +switch-master event
            reasking.awaitAcksOn(address(target), 50, Duration.ofSeconds(15));
            onEvent.awaitAcksOn(address(target), 50, Duration.ofSeconds(15));
        } finally {
            reasking.stop();
            onEvent.stop();
        }
        System.out.println(r.out());
        System.out.println(reasking.summary() + "; longest pause " + reasking.longestPause());
        System.out.println(onEvent.summary() + "; longest pause " + onEvent.longestPause() + "; events " + onEvent.switchEvents());

        for (RedisServer s : setup.sentinels()) {
            assertThat(s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", setup.masterName()).trim().split("\\s+"))
                    .as("Sentinel " + s.port() + " names the target").containsExactly("127.0.0.1", Integer.toString(target.port()));
        }
        assertThat(onEvent.switchEvents()).as("the event client moved on +switch-master").isPositive();
        assertThat(AppWritesCheck.report(target, reasking, onEvent)).as("every acknowledged write on the target exactly once").isEmpty();
        for (SentinelAppClient c : List.of(reasking, onEvent)) {
            assertThat(c.longestPause().length()).as(c.name() + ": the longest write pause it saw").isLessThan(Duration.ofSeconds(2));
        }
        Cli.Result rep = replicate.get(30, TimeUnit.SECONDS);
        assertThat(rep.exitCode()).as(rep.toString()).isZero();
        assertThat(rep.out().lines().findFirst().orElse("")).startsWith("Cut over at ");
        assertThat(oldMaster.cli("SET", "after", "1")).as("the old master takes no write").containsAnyOf("NOREPLICAS", "READONLY");
        assertThat(target.cli("GET", "before")).isEqualTo("1");
    }
}
