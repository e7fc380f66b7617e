package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The faults that once ended in exit 0 over missing data, or in a loop without end, each reproduced against real
 * servers: a target that restarts empty under an import or a live copy, a replica as target (from the start or
 * turned replica mid-run), a target out of memory, and the same server (or its replica) on both sides.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FailSafeTargetIT {
    private static RedisServer maker;
    private static Path rdb;
    private static final int KEYS = 150_000;
    private final List<RedisServer> servers = new ArrayList<>();

    @BeforeAll
    static void dataset() throws Exception {
        maker = RedisServer.builder().name("failsafe-maker").start();
        try (RespConnection c = Datasets.connect(maker)) {
            c.callOk("DEBUG", "POPULATE", Integer.toString(KEYS), "key", "64");
            c.callOk("SAVE");
        }
        rdb = Files.copy(maker.dir().resolve("dump.rdb"), Files.createTempFile("ferry-failsafe", ".rdb"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (maker != null) maker.close();
        if (rdb != null) Files.deleteIfExists(rdb);
    }

    @AfterEach
    void stopServers() {
        for (RedisServer s : servers) s.close();
        servers.clear();
    }

    private RedisServer server(String name, String... args) {
        RedisServer s = RedisServer.builder().name(name).args(args).start();
        servers.add(s);
        return s;
    }

    private static CompletableFuture<Cli.Result> background(String... args) {
        return CompletableFuture.supplyAsync(() -> Cli.run(args));
    }

    /** One command at a time on one connection: slow enough that the test can act while the import runs. */
    private static CompletableFuture<Cli.Result> slowImport(RedisServer target, String... more) {
        List<String> args = new ArrayList<>(List.of("import", rdb.toString(), "--target", target.uri(), "-q",
                "--connections", "1", "--pipeline", "1"));
        args.addAll(List.of(more));
        return background(args.toArray(String[]::new));
    }

    @Test
    void anImportIntoATargetThatRestartsEmptyStopsAndSaysTheConfirmedWritesAreLost() throws Exception {
        RedisServer target = server("restarting-target");
        CompletableFuture<Cli.Result> run = slowImport(target);
        LiveRun.await("the target to hold 5,000 keys", () -> target.dbSize() > 5_000, run);
        target.restartEmpty();
        Cli.Result r = run.get(120, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("restarted while Ferry was writing to it")
                .contains("incomplete copy");
        assertThat(r.out().lines().findFirst().orElse("")).as(r.toString()).startsWith("Stopped after ")
                .endsWith("the target cannot go on (the error below says why) and holds a partial copy");
        assertThat(target.dbSize()).isLessThan(KEYS);
        // positions confirmed by the process that died must not reach the new one: a restart would resume from them
        assertThat(dev.ferry.testkit.DatasetDiff.hasCheckpoint(dev.ferry.testkit.DatasetDiff.Side.of("target", target)))
                .as("a checkpoint on the restarted target\n" + r).isFalse();
    }

    @Test
    void aLiveCopyIntoATargetThatRestartsEmptyStopsEvenWhileTheSourceIsQuiet() throws Exception {
        RedisServer source = server("quiet-source");
        RedisServer target = server("restarting-live-target");
        try (RespConnection c = Datasets.connect(source)) {
            c.callOk("DEBUG", "POPULATE", "1000", "k", "8");
        }
        CompletableFuture<Cli.Result> run = background("replicate", "--source", source.uri(), "--target", target.uri(),
                "-q", "--run-for", "90");
        LiveRun.await("the snapshot on the target", () -> target.dbSize() == 1000, run);
        target.restartEmpty();
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("restarted while Ferry was writing to it");
        assertThat(dev.ferry.testkit.DatasetDiff.hasCheckpoint(dev.ferry.testkit.DatasetDiff.Side.of("target", target)))
                .as("a checkpoint on the restarted target\n" + r).isFalse();
    }

    @Test
    void aReplicaAsTargetIsRefusedUpFrontNamingItsMaster() {
        RedisServer master = server("the-master");
        RedisServer replica = RedisServer.builder().name("a-replica").replicaOf(master.host(), master.port()).start();
        servers.add(replica);
        Cli.Result r = Cli.run("import", rdb.toString(), "--target", replica.uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("is a replica of " + master.hostAndPort())
                .contains("redis://" + master.hostAndPort());
        assertThat(r.err().lines().count()).as(r.toString()).isEqualTo(1);
        assertThat(master.dbSize()).isZero();
    }

    @Test
    void aTargetTurnedReplicaMidRunStopsWithinTheReconnectTimeout() throws Exception {
        RedisServer other = server("other-master");
        RedisServer target = server("demoted-target");
        CompletableFuture<Cli.Result> run = slowImport(target, "--reconnect-timeout", "3");
        LiveRun.await("the target to hold 2,000 keys", () -> target.dbSize() > 2_000, run);
        target.cli("REPLICAOF", other.host(), Integer.toString(other.port()));
        Cli.Result r = run.get(90, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("is a replica of " + other.hostAndPort())
                .contains("--reconnect-timeout 3 s");
    }

    @Test
    void aFullTargetStopsTheRunNamingTheLimitAndTheFix() throws Exception {
        RedisServer target = server("full-target", "--maxmemory", "3mb", "--maxmemory-policy", "noeviction");
        Cli.Result r = Cli.run("import", rdb.toString(), "--target", target.uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("is out of memory").contains("maxmemory 3.00M")
                .contains("policy noeviction").contains("CONFIG SET maxmemory").contains("partial copy");
        assertThat(r.out().lines().findFirst().orElse("")).as(r.toString()).startsWith("Stopped after ")
                .contains("holds a partial copy");
        // what the summary counts as written is what the target holds, and "confirmed" stops short of the file's end
        long written = number(r.out(), "keys written +([0-9,]+)");
        assertThat(target.dbSize()).isPositive().isLessThan(KEYS).isEqualTo(written);
        assertThat(number(r.out(), "confirmed to +file offset ([0-9,]+)")).isPositive().isLessThan(Files.size(rdb));
    }

    private static long number(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'%s' in %s", regex, text).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void theSameServerOnBothSidesIsRefusedBeforeAnythingIsWritten() {
        RedisServer s = server("both-sides");
        s.cli("INCR", "counter");
        for (String target : List.of(s.uri(), "redis://localhost:" + s.port())) {
            Cli.Result r = Cli.run("replicate", "--source", s.uri(), "--target", target, "--mode", "snapshot", "-q");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).contains("are the same server");
        }
        assertThat(s.cli("GET", "counter")).isEqualTo("1");
    }

    @Test
    void aSourceThatIsAReplicaOfTheTargetIsRefused() {
        RedisServer master = server("loop-master");
        RedisServer replica = RedisServer.builder().name("loop-replica").replicaOf(master.host(), master.port()).start();
        servers.add(replica);
        master.cli("INCR", "counter");
        LiveRun.await("the replica to sync", () -> "1".equals(replica.cli("GET", "counter")), null);
        Cli.Result r = Cli.run("replicate", "--source", replica.uri(), "--target", master.uri(), "--mode", "snapshot", "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).contains("is a replica of the target");
        assertThat(master.cli("GET", "counter")).isEqualTo("1");
    }
}
