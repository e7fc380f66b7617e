package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A copy stopped (Ctrl-C, SIGTERM: {@link Cli#interrupt} takes the path a signal takes) before its snapshot is
 * complete never ends as a success: the summary's first line says the target holds a partial copy, and the
 * exit code is 4. A live copy stopped once its snapshot is in still exits 0.
 */
class StopIncompleteIT {
    static final int SOURCE_KEYS = 20_000;
    static final int FILE_KEYS = 50_000;

    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("stop-source")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("stop-target")).flushBeforeEach();

    @TempDir
    static Path tmp;
    static Rdbs.Made big;

    @BeforeAll
    static void rdb() {
        big = Rdbs.make(tmp, "big.rdb", s -> assertThat(s.cli("DEBUG", "POPULATE", Integer.toString(FILE_KEYS), "k", "40")).isEqualTo("OK"));
    }

    private static Cli.Result result(CompletableFuture<Cli.Result> run) throws Exception {
        return run.get(120, TimeUnit.SECONDS);
    }

    /** The number in the first summary line "Stopped after N of ~T keys: the target holds a partial copy". */
    private static long stoppedAfter(Cli.Result r, String total) {
        String first = r.out().lines().findFirst().orElse("");
        Matcher m = Pattern.compile("Stopped after ([\\d,]+) of " + Pattern.quote(total) + " keys: the target holds a partial copy")
                .matcher(first);
        assertThat(m.matches()).as("first line of\n" + r).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /**
     * Also scan mode: its keys go through the same snapshot stage as a replica's, so a stop ends its scan at the next
     * key too (it used to wait for the whole scan, then exit 0).
     */
    @ParameterizedTest(name = "--mode {0}, scan: {1}")
    @CsvSource({"snapshot,false", "live,false", "snapshot,true"})
    void replicateStoppedDuringTheSnapshotSaysSoAndExitsIncomplete(String mode, boolean scan) throws Exception {
        RedisServer s = source.get();
        assertThat(s.cli("DEBUG", "POPULATE", Integer.toString(SOURCE_KEYS), "key", "20")).isEqualTo("OK");
        // 2,000 keys/s: the snapshot takes 10 s, so the stop lands in its middle
        List<String> args = new ArrayList<>(List.of("replicate", "--source", s.uri(), "--target", target.get().uri(),
                "--mode", mode, "--rate-limit", "2000", "-q"));
        if (scan) args.add("--scan");
        CompletableFuture<Cli.Result> run = BackgroundRun.inBackground(args.toArray(new String[0]));
        BackgroundRun.await("the first keys arrive", () -> target.get().dbSize() > 0, run);
        Cli.interrupt();
        Cli.Result r = result(run);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        long written = stoppedAfter(r, "~20,000");
        assertThat(written).isPositive().isLessThan(SOURCE_KEYS).isEqualTo(target.get().dbSize());
        assertThat(r.out()).contains("  confirmed         no replication offset").doesNotContain("confirmed to offset");
        assertThat(r.err()).contains("ferry: stopped before the snapshot was complete").doesNotContain("Exception");
    }

    @Test
    void dragonflySnapshotStoppedMidwaySaysSoAndExitsIncomplete() throws Exception {
        RedisServer backing = source.get();
        assertThat(backing.cli("DEBUG", "POPULATE", "5000", "key", "20")).isEqualTo("OK");
        // every flow stops after 100 entries: the stop lands with most of the snapshot unsent
        try (dev.ferry.testkit.dragonfly.DragonflyMaster m = dev.ferry.testkit.dragonfly.DragonflyMaster.builder(backing)
                .flows(4).pauseSnapshotAfter(100).start()) {
            CompletableFuture<Cli.Result> run = BackgroundRun.inBackground("replicate", "--source", "dragonfly://127.0.0.1:" + m.port(),
                    "--target", target.get().uri(), "--mode", "snapshot", "-q");
            BackgroundRun.await("the first keys arrive", () -> target.get().dbSize() >= 400, run);
            Cli.interrupt();
            Cli.Result r = result(run);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
            // the emulator serves no INFO keyspace: the total is not made up
            long written = stoppedAfter(r, "an unknown number of");
            assertThat(written).isEqualTo(400).isEqualTo(target.get().dbSize());
            assertThat(r.out()).doesNotContain("applied to LSN");
        }
    }

    /**
     * A Dragonfly master that restarts makes Ferry clear what it copied and copy again; a stop during that second
     * full sync leaves a partial copy, and says so (it used to exit 0: the first snapshot had been done).
     */
    @Test
    void dragonflyStoppedDuringANewFullSyncSaysSoAndExitsIncomplete() throws Exception {
        RedisServer backing = source.get();
        assertThat(backing.cli("DEBUG", "POPULATE", "2000", "key", "20")).isEqualTo("OK");
        try (dev.ferry.testkit.dragonfly.DragonflyMaster m = dev.ferry.testkit.dragonfly.DragonflyMaster.builder(backing)
                .flows(2).start()) {
            CompletableFuture<Cli.Result> run = BackgroundRun.inBackground("replicate", "--source", "dragonfly://127.0.0.1:" + m.port(),
                    "--target", target.get().uri(), "-q");
            BackgroundRun.await("the first copy", () -> target.get().dbSize() == 2000 && m.fullSyncs() == 1, run);
            m.pauseSnapshots();
            m.restart(); // a new replication id: the journal cannot continue, Ferry copies again
            BackgroundRun.await("the second full sync to begin, with the first copy cleared", () -> m.fullSyncs() == 2
                    && target.get().dbSize() == 0, run);
            Cli.interrupt();
            Cli.Result r = result(run);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
            // the count on that line is of keys written over the whole run, the cleared first copy included
            assertThat(stoppedAfter(r, "an unknown number of")).isEqualTo(2000);
            assertThat(target.get().dbSize()).isLessThan(2000);
            assertThat(r.out()).contains("  confirmed         no replication offset").doesNotContain("confirmed to LSN");
            assertThat(r.err()).contains("ferry: stopped before the snapshot was complete").doesNotContain("Exception");
        }
    }

    @Test
    void liveReplicateStoppedOnceLiveExitsZero() throws Exception {
        RedisServer s = source.get();
        assertThat(s.cli("DEBUG", "POPULATE", "1000", "key", "20")).isEqualTo("OK");
        CompletableFuture<Cli.Result> run = BackgroundRun.inBackground("replicate", "--source", s.uri(), "--target", target.get().uri(), "-q");
        BackgroundRun.await("the snapshot arrives", () -> target.get().dbSize() == 1000, run);
        s.cli("SET", "live-key", "after-the-snapshot");
        BackgroundRun.await("a live write arrives", () -> "after-the-snapshot".equals(target.get().cli("GET", "live-key")), run);
        Cli.interrupt();
        Cli.Result r = result(run);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Replicated ").contains("confirmed to offset").doesNotContain("Stopped after");
    }

    @Test
    void runForWithSnapshotModeIsBadUsage() {
        Cli.Result r = Cli.run("replicate", "--source", source.get().uri(), "--target", target.get().uri(), "--mode", "snapshot",
                "--run-for", "1", "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(1);
        assertThat(lines.get(0)).startsWith("ferry: --run-for applies to --mode live only");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void importStoppedMidFileSaysSoAndExitsIncomplete() throws Exception {
        RedisServer t = target.get();
        // writes wait on the paused target, so the stop lands with most of the file unread
        assertThat(t.cli("CLIENT", "PAUSE", "20000", "WRITE")).isEqualTo("OK");
        CompletableFuture<Cli.Result> run;
        try {
            // no checkpoint: its first write (the run's identity) would be the one left waiting, before any key
            run = BackgroundRun.inBackground("import", big.file().toString(), "--target", t.uri(), "-q", "--no-checkpoints");
            BackgroundRun.await("the import waits on the paused target", () -> Long.parseLong(t.infoField("clients", "blocked_clients")) > 0, run);
            Cli.interrupt();
        } finally {
            t.cli("CLIENT", "UNPAUSE");
        }
        Cli.Result r = result(run);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        String first = r.out().lines().findFirst().orElse("");
        Matcher m = Pattern.compile("Stopped after [\\d.]+% of big\\.rdb \\(([\\d,]+) keys written\\): the target holds a partial copy")
                .matcher(first);
        assertThat(m.matches()).as(r.toString()).isTrue();
        long written = Long.parseLong(m.group(1).replace(",", ""));
        assertThat(written).isPositive().isLessThan(FILE_KEYS).isEqualTo(t.dbSize());
        Matcher offset = Pattern.compile("  confirmed to  file offset ([\\d,]+)\n").matcher(r.out());
        assertThat(offset.find()).as(r.toString()).isTrue();
        long confirmed = Long.parseLong(offset.group(1).replace(",", ""));
        assertThat(confirmed).isPositive().isLessThan(Files.size(big.file()));
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "  keys written  %,d%n", written));
        // what is there is exactly what the file holds
        var expected = big.perKey();
        dev.ferry.testkit.Datasets.perKey(t).forEach((k, v) -> assertThat(v).as(k).isEqualTo(expected.get(k)));
        assertThat(r.err()).contains("ferry: stopped before the end of big.rdb").doesNotContain("Exception");
    }
}
