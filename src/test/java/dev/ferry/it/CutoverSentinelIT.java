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
        CompletableFuture<Cli.Result> replicate = replicateUntilLive();

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

        assertSentinelsName(target);
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

    private CompletableFuture<Cli.Result> replicateUntilLive() throws InterruptedException {
        CompletableFuture<Cli.Result> replicate = CompletableFuture.supplyAsync(
                () -> Cli.run("replicate", "--source", setup.uri(), "--target", target.uri(), "-q"));
        long deadline = System.currentTimeMillis() + 60_000;
        while (!target.cli("HGET", Datasets.CHECKPOINT_PREFIX + "{1bz}", "at:0").startsWith("repl ")) {
            assertThat(replicate).as("the replicate ended early").isNotDone();
            assertThat(System.currentTimeMillis()).as("replicate live in time").isLessThan(deadline);
            Thread.sleep(50);
        }
        return replicate;
    }

    private void assertSentinelsName(RedisServer master) {
        for (RedisServer s : setup.sentinels()) {
            assertThat(s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", setup.masterName()).trim().split("\\s+"))
                    .as("Sentinel " + s.port() + " names " + master.port()).containsExactly("127.0.0.1", Integer.toString(master.port()));
        }
    }

    /** The hook fails after the Sentinels switched: they are pointed back, and the application stays on the source. */
    @Test
    void aFailingHookAfterTheSentinelSwitchPointsTheSentinelsBack() throws Exception {
        setup = RedisSentinelSetup.builder().sentinels(3).start();
        target = RedisServer.builder().name("new-master").start();
        RedisServer oldMaster = setup.master();
        CompletableFuture<Cli.Result> replicate = replicateUntilLive();
        List<HostPort> sentinels = setup.sentinels().stream().map(CutoverSentinelIT::address).toList();
        SwitchEventAppClient onEvent = new SwitchEventAppClient(sentinels, setup.masterName(), "app:event");
        onEvent.readTimeout(Duration.ofSeconds(8));
        try {
            onEvent.start();
            onEvent.awaitAcksOn(address(oldMaster), 50, Duration.ofSeconds(10));
            Cli.Result r = Cli.run("cutover", "--source", setup.uri(), "--target", target.uri(), "--exec", "exit 7");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).contains("switched: 3 Sentinel(s)").contains("Sentinels pointed back to 127.0.0.1:" + oldMaster.port())
                    .contains("Not cut over: --exec exited with 7. The source, the Sentinels and the replicate are as they were");
            assertSentinelsName(oldMaster);
            // the event client followed both events and writes on the old master again, which takes writes
            onEvent.awaitAcksOn(address(oldMaster), 50, Duration.ofSeconds(15));
        } finally {
            onEvent.stop();
        }
        assertThat(oldMaster.cli("SET", "still", "mine")).isEqualTo("OK");
        assertThat(replicate).as("the replicate goes on").isNotDone();
        long deadline = System.currentTimeMillis() + 20_000;
        while (!"mine".equals(target.cli("GET", "still"))) {
            assertThat(System.currentTimeMillis()).as("the replicate still copies the source").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * --reverse with Sentinel: the Sentinels forget the old master, so none makes it a replica of the target (Sentinel
     * would ~10 s after the switch), and the target's writes reach it through Ferry.
     */
    @Test
    void reverseKeepsTheOldMasterAMasterThatFollowsTheTarget() throws Exception {
        setup = RedisSentinelSetup.builder().sentinels(3).start();
        target = RedisServer.builder().name("new-master").start();
        RedisServer oldMaster = setup.master();
        oldMaster.cli("SET", "before", "1");
        CompletableFuture<Cli.Result> replicate = replicateUntilLive();
        CompletableFuture<Cli.Result> cutover = CompletableFuture.supplyAsync(() -> Cli.run("cutover", "--source", setup.uri(),
                "--target", target.uri(), "--reverse"));
        assertThat(replicate.get(60, TimeUnit.SECONDS).exitCode()).isZero();
        assertSentinelsName(target);
        target.cli("SET", "on-target", "1");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"1".equals(oldMaster.cli("GET", "on-target"))) {
            assertThat(cutover).as("the reverse copy runs").isNotDone();
            assertThat(System.currentTimeMillis()).as("the target's write reached the old master").isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(12_000); // longer than Sentinel waits before it turns a master it lists as replica into one
        assertThat(oldMaster.infoField("replication", "role")).as("no Sentinel made the old master a replica").isEqualTo("master");
        target.cli("SET", "later", "2");
        deadline = System.currentTimeMillis() + 30_000;
        while (!"2".equals(oldMaster.cli("GET", "later"))) {
            assertThat(System.currentTimeMillis()).as("still following the target").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertSentinelsName(target);
        Cli.interrupt();
        Cli.Result r = cutover.get(30, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("the Sentinels forgot the old master and its replicas").contains("Reverse replicate stopped");
    }

    /**
     * While a cutover is under way Sentinel names (or is about to name) the target: a replicate whose link to the old
     * master breaks then reconnects to the old master, not to the master Sentinel names, which would copy the target
     * into itself.
     */
    @Test
    void aLinkBrokenDuringACutoverGoesBackToTheOldMasterNotToTheTarget() throws Exception {
        setup = RedisSentinelSetup.builder().sentinels(3).start();
        target = RedisServer.builder().name("new-master").start();
        RedisServer oldMaster = setup.master();
        for (int i = 0; i < 50; i++) oldMaster.cli("SET", "k" + i, "v" + i);
        CompletableFuture<Cli.Result> replicate = replicateUntilLive();
        String ckpt = Datasets.CHECKPOINT_PREFIX + "{1bz}";
        // what a cutover does first: ask the replicate to prepare, and wait for its answer
        target.cli("HSET", ckpt, "cutover", "prepare t1 " + (System.currentTimeMillis() + 120_000));
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"t1 live".equals(target.cli("HGET", ckpt, "cutover-seen"))) {
            assertThat(System.currentTimeMillis()).as("the replicate answered").isLessThan(deadline);
            Thread.sleep(20);
        }
        // then the Sentinels name the target, and the replicate's link to the old master breaks
        dev.ferry.cutover.SentinelSwitch.of(dev.ferry.resp.RedisUri.parse(setup.uri()))
                .switchTo(address(target), dev.ferry.resp.RedisUri.parse(target.uri()).connectOptions(), 5_000);
        assertSentinelsName(target);
        oldMaster.cli("SET", "written-during-the-cutover", "1");
        assertThat(oldMaster.cli("CLIENT", "KILL", "TYPE", "replica")).isNotEqualTo("0");
        deadline = System.currentTimeMillis() + 30_000;
        while (!"1".equals(target.cli("GET", "written-during-the-cutover"))) {
            assertThat(replicate).as("the replicate goes on").isNotDone();
            assertThat(System.currentTimeMillis()).as("the replicate reconnected to the old master").isLessThan(deadline);
            Thread.sleep(50);
        }
        for (int i = 0; i < 50; i++) assertThat(target.cli("GET", "k" + i)).isEqualTo("v" + i);
        // the cutover's end: the replicate stops by itself
        target.cli("HSET", ckpt, "cutover", "done t1 " + System.currentTimeMillis() + " " + address(target));
        Cli.Result r = replicate.get(30, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Cut over at ");
        assertThat(target.cli("GET", "written-during-the-cutover")).isEqualTo("1");
        assertThat(target.cli("DBSIZE")).as("50 keys, the marker, the checkpoint").isEqualTo("52");
    }
}
