package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --set-notify-config} changes the source's {@code notify-keyspace-events}: Ferry says so (old and new
 * value, and the command that undoes it, for a run that gets killed) and puts the exact old value back on every
 * source master when the run ends: a stop by signal, a normal stop, or a run that ends without one.
 */
class NotifyConfigRestoreIT {
    private static final ScanSettings LIVE = ScanSettings.defaults().withLive(true).withSetNotifyConfig(true);

    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("notify-src")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("notify-dst")).flushBeforeEach();
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension(b -> b.replicasPerMaster(0)).flushBeforeEach();

    @TempDir
    Path tmp;

    private static String flags(RedisServer s) {
        List<String> kv = s.cli("CONFIG", "GET", "notify-keyspace-events").lines().toList();
        return kv.size() >= 2 ? kv.get(1) : "";
    }

    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as(what).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The shaded jar as a child process, so stderr is what an operator sees and SIGTERM is a real signal. */
    @Test
    void realProcessSaysWhatItChangedAndPutsItBackOnSigterm() throws Exception {
        RedisServer s = source.get();
        s.cli("CONFIG", "SET", "notify-keyspace-events", "Ex");
        String before = flags(s);
        assertThat(before).isNotEmpty();
        s.cli("SET", "k", "v");
        Path jar = Path.of("target", "ferry.jar").toAbsolutePath();
        assertThat(jar).exists();
        Path out = tmp.resolve("ferry.out");
        Path err = tmp.resolve("ferry.err");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "replicate", "--scan", "--set-notify-config",
                "--source", s.uri(), "--target", target.get().uri(), "-q"));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        String during;
        try {
            awaitUntil("the snapshot reaches the target", () -> "v".equals(target.get().cli("GET", "k")));
            s.cli("SET", "live", "1");
            awaitUntil("a live change reaches the target", () -> "1".equals(target.get().cli("GET", "live")));
            during = flags(s);
            assertThat(during).contains("K").contains("A").isNotEqualTo(before);
            // said at once, with the way back, before anything could kill the run
            assertThat(read(err)).contains("changed notify-keyspace-events from '" + before + "' to '" + during + "'")
                    .contains(s.hostAndPort())
                    .contains("CONFIG SET notify-keyspace-events \"" + before + "\"");
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ferry stopped on SIGTERM").isTrue();
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(read(out) + read(err)).isZero();
        assertThat(flags(s)).isEqualTo(before);
        assertThat(read(out)).contains("notify-keyspace-events on " + s.hostAndPort() + ": was '" + before + "', set to '"
                + during + "', restored to '" + before + "'");
    }

    @Test
    void everyClusterMasterGetsItsEmptyValueBack() throws Exception {
        List<RedisServer> masters = cluster.get().masters();
        for (RedisServer m : masters) m.cli("CONFIG", "SET", "notify-keyspace-events", "");
        try (ScanRun run = new ScanRun(cluster.get().seedUri(), target.get().uri(), LIVE)) {
            run.source.snapshot();
            run.source.followLive();
            for (RedisServer m : masters) assertThat(flags(m)).as(m.hostAndPort()).contains("K").contains("A");
            run.source.stop();
        }
        for (RedisServer m : masters) assertThat(flags(m)).as(m.hostAndPort()).isEmpty();
    }

    /** A run that fails ends through close(), without stop(): the settings still go back. */
    @Test
    void aRunEndedWithoutStopStillRestores() throws Exception {
        RedisServer s = source.get();
        s.cli("CONFIG", "SET", "notify-keyspace-events", "Kg");
        String before = flags(s);
        try (ScanRun run = new ScanRun(s.uri(), target.get().uri(), LIVE)) {
            run.source.snapshot();
            assertThat(flags(s)).isNotEqualTo(before);
        }
        assertThat(flags(s)).isEqualTo(before);
    }

    /** Someone else's change during the run is theirs: left as it is, and said. */
    @Test
    void aValueChangedByOthersDuringTheRunIsLeftAlone() throws Exception {
        RedisServer s = source.get();
        s.cli("CONFIG", "SET", "notify-keyspace-events", "");
        try (ScanRun run = new ScanRun(s.uri(), target.get().uri(), LIVE)) {
            run.source.snapshot();
            s.cli("CONFIG", "SET", "notify-keyspace-events", "KEA");
            String theirs = flags(s);
            run.source.stop();
            assertThat(run.source.restoreSourceSettings()).singleElement().asString()
                    .contains("now '" + theirs + "'").contains("left as it is").contains("CONFIG SET notify-keyspace-events \"\"");
            assertThat(flags(s)).isEqualTo(theirs);
        } finally {
            s.cli("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }
}
