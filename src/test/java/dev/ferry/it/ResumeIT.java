package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A restarted {@code ferry replicate} continues from the checkpoint it keeps on the target: nothing lost, nothing
 * applied twice, non-repeatable writes included; when the source cannot continue (its backlog is gone) it copies
 * again and removes what vanished meanwhile; another run's checkpoint is refused unless --fresh. (Before, every
 * restart copied everything again and a key deleted on the source while Ferry was down stayed on the target.)
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ResumeIT {
    private static final String CKPT = Datasets.CHECKPOINT_PREFIX;
    private final List<RedisServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        for (RedisServer s : servers) s.close();
        servers.clear();
    }

    private RedisServer server(String name) {
        RedisServer s = RedisServer.builder().name(name).start();
        servers.add(s);
        return s;
    }

    private static CompletableFuture<Cli.Result> replicate(RedisServer source, RedisServer target, String... options) {
        List<String> args = new ArrayList<>(List.of("replicate", "--source", source.uri(), "--target", target.uri(), "-q"));
        args.addAll(List.of(options));
        return CompletableFuture.supplyAsync(() -> Cli.run(args.toArray(String[]::new)));
    }

    /** The keys, without Ferry's checkpoint hashes ({@link Datasets#perKey} leaves them out). */
    private static Map<String, String> data(RedisServer s) {
        return Datasets.perKey(s);
    }

    private static String checkpointKey(RedisServer target) {
        List<String> keys = List.of(target.cli("--scan", "--pattern", CKPT + "*").trim().split("\n"));
        assertThat(keys).as("the checkpoint hashes on the target").hasSize(1);
        return keys.get(0);
    }

    private static void assertEqual(RedisServer source, RedisServer target) {
        Map<String, String> s = data(source);
        Map<String, String> t = data(target);
        assertThat(LiveRun.differences(s, t)).as("keys that differ (%d on the source)", s.size()).isEmpty();
    }

    @Test
    void aRestartReplaysFromAnOlderCheckpointAndAppliesEveryNonRepeatableWriteOnce() throws Exception {
        RedisServer source = server("resume-source");
        RedisServer target = server("resume-target");
        source.cli("CONFIG", "SET", "repl-backlog-size", "256mb"); // it holds the whole test's writes
        Workload load = Workload.on(source).seed(12).keys(400).separateExpiry().rate(3000).start();
        CompletableFuture<Cli.Result> first = replicate(source, target, "--run-for", "8");
        Thread.sleep(3000);
        // the position a crash would have left: a checkpoint written a few seconds before the end
        String key = null;
        String early = null;
        long until = System.currentTimeMillis() + 30_000;
        while (early == null && System.currentTimeMillis() < until) {
            Thread.sleep(200);
            String found = target.cli("--scan", "--pattern", CKPT + "*").trim();
            if (!found.isEmpty()) {
                key = found;
                String at = target.cli("HGET", key, "at:0").trim();
                if (!at.isEmpty()) early = at;
            }
        }
        assertThat(early).as("a checkpoint appears once the snapshot is in").isNotNull();
        Cli.Result r1 = first.get(60, TimeUnit.SECONDS);
        assertThat(r1.exitCode()).as(r1.toString()).isZero();
        String last = target.cli("HGET", key, "at:0").trim();
        assertThat(last).as("the checkpoint moved on after " + early).isNotEqualTo(early);
        // as if the run had died right after `early` was written: everything after it is replayed, the guards
        // keep the INCRs, pushes and pops it covers from running twice
        target.cli("HSET", key, "at:0", early);
        Thread.sleep(1000); // and the source goes on while Ferry is down
        source.cli("DEL", "str:{t1}:1", "hash:{t2}:3");
        CompletableFuture<Cli.Result> second = replicate(source, target, "--run-for", "6");
        Thread.sleep(2000);
        load.stop();
        Cli.Result r2 = second.get(60, TimeUnit.SECONDS);
        assertThat(r2.exitCode()).as(r2.toString()).isZero();
        String[] e = early.split(" ");
        assertThat(r2.err().lines().findFirst().orElse("")).as(r2.toString())
                .startsWith("resuming master " + source.hostAndPort() + " from offset ")
                .contains(String.format(java.util.Locale.ROOT, "%,d", Long.parseLong(e[2]))).contains(e[1]);
        assertEqual(source, target);
    }

    @Test
    void aSourceThatNoLongerHoldsTheCheckpointIsCopiedAgainAndKeysDeletedMeanwhileAreGone() throws Exception {
        RedisServer source = server("resume-short-backlog");
        RedisServer target = server("resume-target-2");
        source.cli("CONFIG", "SET", "repl-backlog-size", "16384");
        try (RespConnection c = Datasets.connect(source)) {
            c.callOk("DEBUG", "POPULATE", "2000", "key", "20");
        }
        Cli.Result r1 = replicate(source, target, "--run-for", "3").get(60, TimeUnit.SECONDS);
        assertThat(r1.exitCode()).as(r1.toString()).isZero();
        source.cli("DEL", "key:1", "key:2", "key:3");
        for (int i = 0; i < 50; i++) source.cli("SET", "filler:" + i, "x".repeat(1000)); // past the 16 kB backlog
        Cli.Result r2 = replicate(source, target, "--run-for", "3").get(60, TimeUnit.SECONDS);
        assertThat(r2.exitCode()).as(r2.toString()).isZero();
        assertThat(r2.err()).as(r2.toString()).contains("cannot resume: master " + source.hostAndPort())
                .contains("refused PSYNC").contains("; full sync");
        assertThat(target.cli("EXISTS", "key:1", "key:2", "key:3").trim()).isEqualTo("0");
        assertEqual(source, target);
    }

    @Test
    void anotherRunsCheckpointIsRefusedAndFreshStartsOver() throws Exception {
        RedisServer source = server("resume-identity-source");
        RedisServer target = server("resume-identity-target");
        source.cli("SET", "a:1", "1");
        source.cli("SET", "b:1", "1");
        Cli.Result r1 = replicate(source, target, "--run-for", "2").get(60, TimeUnit.SECONDS);
        assertThat(r1.exitCode()).as(r1.toString()).isZero();
        Cli.Result verified = Cli.run("verify", "--source", source.uri(), "--target", target.uri(), "-q", "--rounds", "1");
        assertThat(verified.exitCode()).as("the checkpoint hash is not data: " + verified).isZero();
        Cli.Result refused = replicate(source, target, "--match", "a:*", "--run-for", "2").get(60, TimeUnit.SECONDS);
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).as(refused.toString()).contains("the target holds the checkpoint of another run")
                .contains("filters").contains("--fresh").doesNotContain("Exception");
        assertThat(target.cli("GET", "b:1").trim()).as("nothing written or removed").isEqualTo("1");
        Cli.Result fresh = replicate(source, target, "--match", "a:*", "--fresh", "--run-for", "2").get(60, TimeUnit.SECONDS);
        assertThat(fresh.exitCode()).as(fresh.toString()).isZero();
        assertThat(fresh.err()).as(fresh.toString()).startsWith("--fresh: starting over").contains("target db 0");
        assertThat(data(target).keySet()).containsExactly("0:a:1");
        Cli.Result forget = Cli.run("forget", "--target", target.uri());
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.out()).contains("forgot Ferry's checkpoint").contains("1 hash(es)");
        assertThat(target.cli("--scan", "--pattern", CKPT + "*").trim()).isEmpty();
        assertThat(target.cli("GET", "a:1").trim()).as("the data stays").isEqualTo("1");
    }

    /**
     * A run that wrote nothing (its source was unreachable: a typo in the URI) leaves only its identity: the corrected
     * command is not held to it, and the db holding nothing but that hash stays Ferry's to clear.
     */
    @Test
    void aCheckpointOfARunThatWroteNothingBindsNothing() throws Exception {
        RedisServer source = server("resume-typo-source");
        RedisServer target = server("resume-typo-target");
        // what a run with a mistyped source leaves when it dies right after writing who it was
        String key = new String(new dev.ferry.checkpoint.CheckpointKeys(CKPT).key(0), java.nio.charset.StandardCharsets.UTF_8);
        target.cli("HSET", key, "meta", new dev.ferry.checkpoint.RunIdentity("replicate", "redis://127.0.0.1:1",
                target.uri(), "dbs=all", new java.util.TreeSet<>(List.of(0)), null).json());
        source.cli("SET", "k", "v");
        CompletableFuture<Cli.Result> run = replicate(source, target, "--run-for", "4");
        LiveRun.await("the copy", () -> "v".equals(target.cli("GET", "k").trim()), run);
        source.cli("FLUSHALL");
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as("db 0 held only Ferry's checkpoint: still Ferry's to clear\n" + r).isZero();
        assertThat(data(target)).isEmpty();
    }

    @Test
    void lostTargetConnectionsUnderNonRepeatableWritesFailNothing() throws Exception {
        RedisServer source = server("resume-kill-source");
        RedisServer target = server("resume-kill-target");
        Workload load = Workload.on(source).seed(7).keys(200).separateExpiry().rate(4000).start();
        CompletableFuture<Cli.Result> run = replicate(source, target, "--run-for", "10");
        Thread.sleep(2500);
        for (int i = 0; i < 6; i++) {
            target.cli("CLIENT", "KILL", "TYPE", "normal");
            Thread.sleep(400);
        }
        load.stop();
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("failed            0").containsPattern("target reconnects +[1-9]");
        assertEqual(source, target);
        checkpointKey(target);
    }
}
