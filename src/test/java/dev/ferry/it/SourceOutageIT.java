package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A source that goes away and does not come back stops the run after --source-reconnect-timeout, whatever the
 * source protocol: exit 1, and its error line says which source, for how long, and what to do. It used
 * to be retried for ever, every 5 s, while the run looked alive. What was confirmed stays on the target.
 */
class SourceOutageIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("outage-target")).flushBeforeEach();

    /** The run ends by itself, a few seconds after the 2 s bound, with exit 1 and the outage as its error. */
    private static Cli.Result gaveUp(CompletableFuture<Cli.Result> run, long lostAt, String source) throws Exception {
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        long took = System.currentTimeMillis() - lostAt;
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(took).as("ended after the bound, not before, and not long after: " + r).isBetween(2_000L, 30_000L);
        // the resume window's notice may come first (it is printed at start); the error is the one line after it
        java.util.List<String> errors = r.err().lines().filter(l -> l.startsWith("ferry: error: ")).toList();
        assertThat(errors).as(r.toString()).hasSize(1);
        assertThat(errors.get(0)).contains(source + " has not answered for").contains("(last: cannot connect to")
                .contains("gave up after --source-reconnect-timeout 2s").contains("start the same command again");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("secret-pw");
        return r;
    }

    @Test
    void aRedisMasterThatNeverComesBackStopsTheRun() throws Exception {
        try (RedisServer source = RedisServer.builder().name("outage-source").password("secret-pw").start()) {
            for (int i = 0; i < 500; i++) source.cli("SET", "k" + i, "v" + i);
            CompletableFuture<Cli.Result> run = BackgroundRun.inBackground("replicate", "--source", source.uriWithCredentials(),
                    "--target", target.get().uri(), "--source-reconnect-timeout", "2", "-q");
            BackgroundRun.await("the copy and a live write", () -> {
                source.cli("SET", "live", "1");
                return target.get().dbSize() >= 501;
            }, run);
            source.kill();
            long lostAt = System.currentTimeMillis();
            gaveUp(run, lostAt, "source master " + source.hostAndPort());
            assertThat(target.get().cli("GET", "k499")).isEqualTo("v499");
            assertThat(target.get().cli("GET", "live")).isEqualTo("1");
        }
    }

    @Test
    void aScanSourceThatNeverComesBackStopsTheRun() throws Exception {
        try (RedisServer source = RedisServer.builder().name("outage-scan").args("--notify-keyspace-events", "KA").start()) {
            for (int i = 0; i < 300; i++) source.cli("SET", "k" + i, "v" + i);
            CompletableFuture<Cli.Result> run = BackgroundRun.inBackground("replicate", "--scan", "--source", source.uri(),
                    "--target", target.get().uri(), "--source-reconnect-timeout", "2", "-q");
            BackgroundRun.await("the copy and a live write", () -> {
                source.cli("SET", "live", "1");
                return target.get().dbSize() >= 301;
            }, run);
            source.kill();
            long lostAt = System.currentTimeMillis();
            // the keyspace subscription is what notices an idle source is gone
            gaveUp(run, lostAt, "source " + source.hostAndPort() + " (keyspace subscription)");
            assertThat(target.get().cli("GET", "k299")).isEqualTo("v299");
        }
    }

    @Test
    void aDragonflyMasterThatNeverComesBackStopsTheRun() throws Exception {
        try (RedisServer backing = RedisServer.builder().name("outage-df-backing").start()) {
            for (int i = 0; i < 200; i++) backing.cli("SET", "k" + i, "v" + i);
            DragonflyMaster m = DragonflyMaster.builder(backing).flows(2).start();
            CompletableFuture<Cli.Result> run;
            long lostAt;
            try {
                run = BackgroundRun.inBackground("replicate", "--source", "dragonfly://127.0.0.1:" + m.port(),
                        "--target", target.get().uri(), "--source-reconnect-timeout", "2", "-q");
                BackgroundRun.await("the copy", () -> target.get().dbSize() >= 200 && m.lastAck(0) >= 0 && m.lastAck(1) >= 0, run);
            } finally {
                m.close();
            }
            lostAt = System.currentTimeMillis();
            gaveUp(run, lostAt, "Dragonfly source dragonfly://127.0.0.1:" + m.port());
            assertThat(target.get().cli("GET", "k199")).isEqualTo("v199");
        }
    }
}
