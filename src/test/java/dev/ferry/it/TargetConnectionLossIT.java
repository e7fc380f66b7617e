package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisSentinelExtension;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The target drops Ferry's connections in the middle of an import (CLIENT KILL), or a cluster master
 * hands its slots to its replica (CLUSTER FAILOVER): Ferry reconnects, re-sends what is safe to repeat,
 * and the result equals the source; a key it cannot safely repeat is reported, never silently wrong.
 */
class TargetConnectionLossIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();

    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    private static RedisServer source;
    private static Path rdb;
    private static Map<String, String> expected;

    @BeforeAll
    static void dataset() throws Exception {
        source = RedisServer.builder().name("loss-source").start();
        try (RespConnection c = Datasets.connect(source)) {
            c.callOk("DEBUG", "POPULATE", "150000", "key", "32");
            c.callOk("EVAL", "for i = 1, 2000 do redis.call('RPUSH', 'list:' .. i, 'a', 'b', 'c', i) end return 1", "0");
            c.callOk("SAVE");
        }
        rdb = Files.copy(source.dir().resolve("dump.rdb"), Files.createTempFile("ferry-loss", ".rdb"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        expected = Datasets.perKey(source);
    }

    @AfterAll
    static void stop() throws Exception {
        if (source != null) source.close();
        if (rdb != null) Files.deleteIfExists(rdb);
    }

    /** Kills the target's client connections every {@code everyMs} until the import ends; returns how many it killed. */
    private static CompletableFuture<Integer> keepKilling(RedisServer server, AtomicBoolean done, long everyMs) {
        return CompletableFuture.supplyAsync(() -> {
            int killed = 0;
            try (RespConnection admin = Datasets.connect(server)) {
                while (!done.get()) {
                    Thread.sleep(everyMs);
                    killed += (int) admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").asLong();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return killed;
        });
    }

    private static long reconnects(Cli.Result r) {
        Matcher m = Pattern.compile("reconnected +([0-9,]+) time").matcher(r.out());
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : 0;
    }

    /** Imports the dataset into the standalone target while its client connections keep being killed. */
    private static Cli.Result importWhileKilling(String... options) throws Exception {
        return importWhileKilling(50, options);
    }

    private static Cli.Result importWhileKilling(long everyMs, String... options) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Integer> killer = keepKilling(target.get(), done, everyMs);
        String[] args = java.util.stream.Stream.concat(
                java.util.stream.Stream.of("import", rdb.toString(), "--target", target.get().uri(), "-q", "--connections", "2"),
                java.util.Arrays.stream(options)).toArray(String[]::new);
        try {
            return Cli.run(args);
        } finally {
            done.set(true);
            assertThat(killer.get()).as("connections killed").isPositive();
        }
    }

    @Test
    void restoresAreRepeatedAfterKilledConnectionsAndNothingIsLost() throws Exception {
        Cli.Result r = importWhileKilling("--pipeline", "50");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(reconnects(r)).as(r.toString()).isPositive();
        assertThat(Datasets.digest(target.get())).isEqualTo(Datasets.digest(source));
        assertThat(target.get().dbSize()).isEqualTo(expected.size());
    }

    @Test
    void connectionsKilledEveryFewMillisecondsFromTheFirstProbeOnLoseNothing() throws Exception {
        // the probe of the target and the reads and writes of the checkpoint are killed too, not only the writers'
        // connections: each is tried again on a new connection (every one of them is safe to repeat)
        Cli.Result r = importWhileKilling(5, "--pipeline", "50");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(reconnects(r)).as(r.toString()).isGreaterThan(5);
        assertThat(Datasets.digest(target.get())).isEqualTo(Datasets.digest(source));
        assertThat(Datasets.perKey(target.get())).isEqualTo(expected);
    }

    @Test
    void commandsThatCannotBeRepeatedFailTheirKeyAndSayWhy() throws Exception {
        // no DEL first (--no-replace), so a list's RPUSH cannot be repeated: those keys must be reported
        Cli.Result r = importWhileKilling("--pipeline", "200", "--write-mode", "commands", "--no-replace");
        assertThat(reconnects(r)).as(r.toString()).isPositive();
        Map<String, String> actual = Datasets.perKey(target.get());
        long differing = expected.entrySet().stream().filter(e -> !e.getValue().equals(actual.get(e.getKey()))).count();
        Matcher failed = Pattern.compile("  failed +([0-9,]+)").matcher(r.out());
        assertThat(failed.find()).isTrue();
        long failedCount = Long.parseLong(failed.group(1).replace(",", ""));
        // every key that differs from the source was reported as failed, with the reason
        assertThat(differing).as(r.toString()).isLessThanOrEqualTo(failedCount);
        if (failedCount > 0) {
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.out()).contains("the connection was lost while this key was being written; it may be incomplete on the target");
        } else {
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
    }

    @Test
    void clusterFailoverDuringImportIsFollowed() throws Exception {
        RedisCluster c = cluster.get();
        RedisServer replica = c.replicas().get(0);
        CompletableFuture<String> failover = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return replica.cli("CLUSTER", "FAILOVER");
        });
        // a narrow pipeline keeps the import running for seconds, so the failover lands in its middle
        long start = System.nanoTime();
        Cli.Result r = Cli.run("import", rdb.toString(), "--target", c.seedUri(), "-q", "--db", "0", "--connections", "1",
                "--pipeline", "2");
        assertThat((System.nanoTime() - start) / 1_000_000).as("import outlasted the failover's start: " + r).isGreaterThan(1000);
        assertThat(failover.get()).isEqualTo("OK");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        awaitMaster(replica);
        assertThat(Datasets.perKey(c)).isEqualTo(expected);
    }

    /**
     * A Sentinel failover in the middle of an import: the old master turns replica and answers READONLY, and
     * Ferry moves to the master Sentinel names next. Redis replication is asynchronous and SENTINEL FAILOVER
     * does not pause writers, so writes the old master accepted after its replica was promoted are lost on
     * the server side (before checkpoints about a quarter of the keys, written in the ~1 s between the promotion
     * and the old master's demotion, stayed lost). Ferry now continues from the checkpoint the new master holds,
     * so the new master ends with every key of the file.
     */
    @Test
    void sentinelFailoverDuringImportMovesToTheNewMaster() throws Exception {
        RedisSentinelSetup s = sentinel.get();
        RedisServer before = s.master();
        CompletableFuture<RedisServer> failover = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return s.failover();
        });
        // a narrow pipeline keeps the import running for seconds, so the failover lands in its middle
        Cli.Result r = Cli.run("import", rdb.toString(), "--target", s.uri(), "-q", "--connections", "1", "--pipeline", "2");
        RedisServer after = failover.get();
        assertThat(after.port()).isNotEqualTo(before.port());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).contains("target failover: target master " + after.hostAndPort())
                .contains("continuing from the checkpoint the new master holds");
        assertThat(r.out()).contains("  failed        0\n");
        assertThat(r.out()).contains("confirmed to  file offset " + String.format("%,d", Files.size(rdb) - 9)); // the last key ends before EOF and the CRC
        assertThat(Datasets.perKey(after)).isEqualTo(expected);
    }

    private static void awaitMaster(RedisServer s) throws InterruptedException {
        for (int i = 0; i < 100 && !s.info("replication").contains("role:master"); i++) Thread.sleep(50);
    }
}
