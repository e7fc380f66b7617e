package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.Slots;
import dev.ferry.server.Topology;
import dev.ferry.source.dragonfly.JournalWindow;
import dev.ferry.source.redis.ResumeWindow;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisSentinelExtension;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The resume window against real servers: the rate a writer makes, --backlog raising repl-backlog-size (and leaving a
 * larger one), and a master that refuses CONFIG SET or INFO, which never ends a run.
 */
class ResumeWindowIT {
    private static final String PW = "s3cret-ferry";

    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("source")).flushBeforeEach();
    /** A replication user without CONFIG, and one without INFO; the harness uses "admin". */
    @RegisterExtension
    static final RedisServerExtension guarded = new RedisServerExtension(b -> b.name("guarded")
            .user("admin", "on", ">adminpw", "~*", "&*", "+@all")
            .user("ferry", "on", ">" + PW, "~*", "&*", "+@all", "-config")
            .user("blind", "on", ">" + PW, "~*", "&*", "+@all", "-info")
            .user("default", "off")
            .adminUser("admin", "adminpw")).flushBeforeEach();
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    private static final Pattern WINDOW = Pattern.compile(
            "resume window: about ([0-9.]+) (s|min|h) \\(repl-backlog-size ([0-9.]+) MB, ([0-9.]+) (B|kB|MB)/s of writes on ([^)]+)\\)");

    @Test
    void theWindowIsTheBacklogOverTheRateAWriterMakes() throws Exception {
        RedisServer m = source.get();
        m.cli("CONFIG", "SET", "repl-backlog-size", "1mb");
        // a master counts its stream only once it keeps a backlog, which the first replica makes it create
        try (RedisServer replica = RedisServer.builder().name("replica").replicaOf("127.0.0.1", m.port()).start();
             Writer w = Writer.start(m, null)) {
            awaitBacklog(m);
            long before = offset(m);
            long t0 = System.nanoTime();
            List<String> lines = ResumeWindow.check(RedisUri.parse(m.uri()), 0);
            double around = (offset(m) - before) / ((System.nanoTime() - t0) / 1e9); // bytes/s over a span holding the sample
            assertThat(lines).hasSize(1);
            Matcher x = WINDOW.matcher(lines.get(0));
            assertThat(x.find()).as(lines.get(0)).isTrue();
            assertThat(x.group(3)).isEqualTo("1.0");
            assertThat(x.group(6)).isEqualTo(m.hostAndPort());
            double rate = Double.parseDouble(x.group(4)) * switch (x.group(5)) {
                case "kB" -> 1024;
                case "MB" -> 1 << 20;
                default -> 1;
            };
            // the sample is one second of the same writer: within a generous factor of the rate around it
            assertThat(rate).isBetween(around / 4, around * 4);
            double seconds = Double.parseDouble(x.group(1)) * switch (x.group(2)) {
                case "min" -> 60;
                case "h" -> 3600;
                default -> 1;
            };
            // what the line says is 1 MB over the rate it printed (both rounded)
            assertThat(seconds).isBetween((1 << 20) / rate / 1.5, (1 << 20) / rate * 1.5);
            assertThat(lines.get(0)).contains("a restart within that continues where it stopped; to widen it: CONFIG SET "
                    + "repl-backlog-size ").contains("on the source (or --backlog ");
        }
    }

    @Test
    void aClusterReportsItsSmallestWindowAndNamesThatMaster() throws Exception {
        RedisCluster c = cluster.get();
        RedisServer busy = c.masters().get(1);
        try (Writer w = Writer.start(busy, tagOwnedBy(c, busy))) {
            for (RedisServer m : c.masters()) awaitBacklog(m);
            List<String> lines = ResumeWindow.check(RedisUri.parse(c.seedUri()), 0);
            assertThat(lines).hasSize(1);
            Matcher x = WINDOW.matcher(lines.get(0));
            assertThat(x.find()).as(lines.get(0)).isTrue();
            assertThat(x.group(6)).isEqualTo(busy.hostAndPort());
            assertThat(lines.get(0)).contains("on each source master (or --backlog ");
        }
    }

    @Test
    void aSentinelSourceIsMeasuredOnTheMasterItNames() throws Exception {
        RedisSentinelSetup s = sentinel.get();
        try (Writer w = Writer.start(s.master(), null)) {
            awaitBacklog(s.master());
            List<String> lines = ResumeWindow.check(RedisUri.parse(s.uri()), 0);
            assertThat(lines).hasSize(1);
            Matcher x = WINDOW.matcher(lines.get(0));
            assertThat(x.find()).as(lines.get(0)).isTrue();
            assertThat(x.group(6)).isEqualTo(s.master().hostAndPort());
        }
    }

    @Test
    void quietSourceIsUnbounded() {
        RedisServer m = source.get();
        try (RedisServer replica = RedisServer.builder().name("replica").replicaOf("127.0.0.1", m.port()).start()) {
            awaitBacklog(m);
            List<String> lines = ResumeWindow.check(RedisUri.parse(m.uri()), 0);
            // a replica's PING every 10 s may fall in the sample: then the window is long, never a failure
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).matches("resume window: (unbounded at the current write rate \\(no writes in 1 s; "
                    + "repl-backlog-size [0-9.]+ MB\\)|about ).*");
        }
    }

    @Test
    void backlogRaisesTheSizeBeforeTheRunAndTheLineSaysIt() {
        // a master no replica ever connected to: Ferry's run is its first
        try (RedisServer m = RedisServer.builder().name("fresh").start()) {
            backlogRaisesTheSizeBeforeTheRunOn(m);
        }
    }

    private static void backlogRaisesTheSizeBeforeTheRunOn(RedisServer m) {
        Cli.Result r = Cli.run("replicate", "--source", m.uri(), "--target", target.get().uri(), "--backlog", "256mb",
                "--run-for", "1", "--quiet");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(m.cli("CONFIG", "GET", "repl-backlog-size")).contains(Long.toString(256L << 20));
        // no replica had connected before: the master had no backlog to count writes in yet
        assertThat(r.err()).as(r.toString()).contains("resume window: not measured yet: " + m.hostAndPort() + " keeps no "
                + "replication backlog until a replica connects, and counts no writes before that; it creates one of "
                + "256.0 MB (repl-backlog-size) when Ferry connects");
        assertThat(r.err()).contains("repl-backlog-size on " + m.hostAndPort() + " raised from 1.0 MB to 256.0 MB "
                + "(--backlog; a restart of the master forgets it unless CONFIG REWRITE or its config file keeps it)");
        assertThat(r.err()).doesNotContain("warning");
    }

    @Test
    void aLargerBacklogIsLeftAsItIs() {
        RedisServer m = source.get();
        m.cli("CONFIG", "SET", "repl-backlog-size", "512mb");
        List<String> lines = ResumeWindow.check(RedisUri.parse(m.uri()), 256L << 20);
        assertThat(lines.get(0)).isEqualTo("repl-backlog-size on " + m.hostAndPort() + " is already 512.0 MB, at least "
                + "--backlog 256.0 MB: left as it is");
        assertThat(m.cli("CONFIG", "GET", "repl-backlog-size")).contains(Long.toString(512L << 20));
        m.cli("CONFIG", "SET", "repl-backlog-size", "1mb");
    }

    @Test
    void aRefusedConfigSetIsOneWarningAndTheRunGoesOn() {
        RedisServer m = guarded.get();
        Cli.Result r = Cli.run("replicate", "--source", "redis://ferry:" + PW + "@" + m.hostAndPort(), "--target",
                target.get().uri(), "--backlog", "64mb", "--run-for", "1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).contains("ferry: warning: could not raise repl-backlog-size on "
                + m.hostAndPort() + " to 64.0 MB (CONFIG SET refused: NOPERM").contains("ask the operator to set "
                + "repl-backlog-size 64mb").contains("resume window: ");
        assertThat(r.err() + r.out()).doesNotContain(PW);
        assertThat(m.cli("CONFIG", "GET", "repl-backlog-size")).contains(Long.toString(1L << 20));
    }

    @Test
    void aRefusedInfoMakesTheWindowUnknown() {
        RedisServer m = guarded.get();
        List<String> lines = ResumeWindow.check(RedisUri.parse("redis://blind:" + PW + "@" + m.hostAndPort()), 0);
        assertThat(lines).containsExactly("resume window: unknown (" + m.hostAndPort() + ": INFO replication refused: "
                + "the user needs +info): a restart continues where it stopped only while the master's "
                + "repl-backlog-size still holds the writes made meanwhile");
    }

    @Test
    void aSourceTheRunRefusesGetsNoLineOfItsOwn() {
        // the run's own error is the one line: unreachable, a cluster node behind redis://
        assertThat(ResumeWindow.check(RedisUri.parse("redis://127.0.0.1:1"), 0)).isEmpty();
        assertThat(ResumeWindow.check(RedisUri.parse(cluster.get().masters().get(0).uri()), 256L << 20)).isEmpty();
        assertThat(cluster.get().masters().get(0).cli("CONFIG", "GET", "repl-backlog-size")).contains(Long.toString(1L << 20));
        Cli.Result down = Cli.run("replicate", "--source", "redis://127.0.0.1:1", "--target", target.get().uri(), "-q");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.err().strip().lines().toList()).as(down.toString()).hasSize(1).first().asString()
                .startsWith("ferry: error: cannot connect to 127.0.0.1:1");
    }

    @Test
    void backlogOutsideALiveReplicaRunIsAUsageError() {
        Cli.Result snapshot = Cli.run("replicate", "--source", source.get().uri(), "--target", target.get().uri(),
                "--mode", "snapshot", "--backlog", "256mb");
        assertThat(snapshot.exitCode()).isEqualTo(2);
        assertThat(snapshot.err()).contains("--backlog applies to --mode live with the replica protocol (not --scan)");
        Cli.Result bad = Cli.run("replicate", "--source", source.get().uri(), "--target", target.get().uri(),
                "--backlog", "lots");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("bad --backlog 'lots': use a size such as 256mb, 1gb or 1048576 (bytes)");
    }

    @Test
    void dragonflyWindowIsTheJournalRingOverTheBusiestShardsRecordsPerSecond() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(source.get()).flows(2).start()) {
            String uri = "dragonfly://127.0.0.1:" + m.port();
            // no replica yet: a Dragonfly master keeps no journal, every shard's LSN reads 0
            assertThat(JournalWindow.check(RedisUri.parse(uri), 0)).containsExactly("resume window: not measured yet: "
                    + "127.0.0.1:" + m.port() + " keeps no journal until a replica connects (every shard's LSN is 0); "
                    + "journal backlog 8,192 records per shard, the default --shard_repl_backlog_len of df-v1.40.0 "
                    + "(Dragonfly does not report it): a restart continues where it stopped while no shard writes more "
                    + "records than that meanwhile");
            Cli.Result r = Cli.run("replicate", "--source", uri, "--target", target.get().uri(), "--backlog", "64mb",
                    "--run-for", "1");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.err()).contains("ferry: warning: --backlog cannot change a Dragonfly master's journal backlog: "
                    + "it is the start flag --shard_repl_backlog_len").contains("resume window: not measured yet");
            String key = IntStream.range(0, 100).mapToObj(i -> "k" + i).filter(k -> m.flowOf(k) == 1).findFirst().orElseThrow();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    m.write(0, "SET", key, "v" + i);
                    LiveRun.sleep(5);
                }
            }, "df-writer");
            writer.start();
            try {
                long before = m.lsn(1);
                long t0 = System.nanoTime();
                List<String> lines = JournalWindow.check(RedisUri.parse(uri), 0);
                double around = (m.lsn(1) - before) / ((System.nanoTime() - t0) / 1e9);
                Matcher x = Pattern.compile("resume window: about ([0-9.]+) (s|min|h) \\(journal backlog 8,192 records per "
                        + "shard, [^;]+; ([0-9]+) records/s on shard 1 of 127.0.0.1:" + m.port() + "\\)").matcher(lines.get(0));
                assertThat(x.find()).as(lines.get(0)).isTrue();
                double rate = Double.parseDouble(x.group(3));
                assertThat(rate).isBetween(around / 4, around * 4);
                double seconds = Double.parseDouble(x.group(1)) * switch (x.group(2)) {
                    case "min" -> 60;
                    case "h" -> 3600;
                    default -> 1;
                };
                assertThat(seconds).isBetween(8192 / rate / 1.5, 8192 / rate * 1.5);
                assertThat(lines.get(0)).contains("to widen it, restart the master with --shard_repl_backlog_len ");
            } finally {
                stop.set(true);
                writer.join(5_000);
            }
        }
    }

    /** A hash tag whose slot {@code master} owns, so a writer's keys all land there. */
    private static String tagOwnedBy(RedisCluster c, RedisServer master) {
        Topology t = Topology.ofCluster(RedisUri.parse(c.seedUri()).hosts(), RedisUri.parse(c.seedUri()).connectOptions());
        for (int i = 0; ; i++) {
            String tag = "{t" + i + "}";
            if (t.ownerOf(Slots.of(tag.substring(1, tag.length() - 1).getBytes())).port() == master.port()) return tag;
        }
    }

    private static long offset(RedisServer m) {
        return Long.parseLong(m.infoField("replication", "master_repl_offset"));
    }

    /** Waits (10 s at most) until the master keeps a backlog, which its first replica's sync creates. */
    private static void awaitBacklog(RedisServer m) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"1".equals(m.infoField("replication", "repl_backlog_active"))) {
            assertThat(System.currentTimeMillis()).as("%s has a replication backlog", m).isLessThan(deadline);
            LiveRun.sleep(20);
        }
    }

    /** Writes 1 kB values in a steady loop until closed: a replication stream of some tens of kB/s. */
    private record Writer(Thread thread, AtomicBoolean stop) implements AutoCloseable {
        static Writer start(RedisServer m, String tag) {
            AtomicBoolean stop = new AtomicBoolean();
            String value = "v".repeat(1000);
            Thread t = new Thread(() -> {
                try (RespConnection c = RespConnection.open(new HostPort("127.0.0.1", m.port()),
                        RedisUri.parse(m.uri()).connectOptions())) {
                    for (int i = 0; !stop.get(); i++) {
                        c.callOk("SET", (tag == null ? "" : tag) + "w:" + (i % 500), value);
                        Thread.sleep(5);
                    }
                } catch (InterruptedException ignored) {
                    // closed
                }
            }, "writer");
            t.setDaemon(true);
            t.start();
            return new Writer(t, stop);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(5_000);
        }
    }
}
