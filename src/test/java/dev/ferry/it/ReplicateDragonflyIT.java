package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.demo.SampleData;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.rdb.DragonflyTypes;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.Compression;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dragonfly to Redis through the replica protocol, against the protocol-faithful master emulator (its data lives
 * in a real redis-server, so the target is compared with it value by value): every type and encoding with TTLs
 * and several dbs, values split into interleaved tagged chunks, the journal's rewritten command forms, the
 * FLUSH barrier, broken links resumed with PARTIAL (nothing lost, nothing applied twice), a backlog that moved
 * on, a restarted master, writes and a FLUSHALL during the full sync, and Dragonfly-only types.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReplicateDragonflyIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension(b -> b.name("dragonfly-data")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension(b -> b.masters(3)).flushBeforeEach();

    private static DragonflyMaster emulator(Consumer<DragonflyMaster.Builder> tweak) {
        DragonflyMaster.Builder b = DragonflyMaster.builder(backing.get()).flows(4).chunkSize(8 * 1024);
        tweak.accept(b);
        return b.start();
    }

    private static String uri(DragonflyMaster m) {
        return "dragonfly://127.0.0.1:" + m.port();
    }

    /** Containers big enough to be split into many tagged chunks at an 8 KiB chunk size. */
    private static void seedBig(RedisServer s) {
        List<String> script = new ArrayList<>();
        long tomorrow = System.currentTimeMillis() + 86_400_000L;
        StringBuilder h = new StringBuilder("HSET big:hash");
        StringBuilder l = new StringBuilder("RPUSH big:list");
        StringBuilder st = new StringBuilder("SADD big:set");
        StringBuilder z = new StringBuilder("ZADD big:zset");
        for (int i = 0; i < 20_000; i++) {
            h.append(" f").append(i).append(" v").append(i * 7);
            l.append(" item-").append(i);
            st.append(" m").append(i);
            z.append(' ').append(i * 0.5).append(" z").append(i);
        }
        script.add(h.toString());
        script.add(l.toString());
        script.add(st.toString());
        script.add(z.toString());
        script.add("PEXPIREAT big:set " + tomorrow);
        for (int i = 1; i <= 3000; i++) script.add("XADD big:stream " + i + "-0 n " + i + " payload " + "p".repeat(40));
        script.add("XGROUP CREATE big:stream g1 0");
        script.add("XREADGROUP GROUP g1 c1 COUNT 50 STREAMS big:stream >");
        script.add("SELECT 3");
        script.add("SET db3:key hello");
        script.add("HSET db3:hash a 1 b 2");
        s.cliScript(String.join("\n", script));
    }

    private static void seed(RedisServer s) {
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 11);
        }
        seedBig(s);
    }

    private static List<String> differences(RedisServer expected, RedisServer actual) {
        return LiveRun.differences(Datasets.perKey(expected), Datasets.perKey(actual));
    }

    /** Waits until every flow acknowledged the last record the emulator wrote: the target confirmed it. */
    private static void awaitAcked(DragonflyMaster m) throws InterruptedException {
        for (int f = 0; f < m.flows(); f++) {
            long want = m.lsn(f) + 1;
            assertThat(m.awaitAck(f, want, Duration.ofSeconds(60))).as("flow %d acked %d, want %d", f, m.lastAck(f), want).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void snapshotOfEveryTypeInEveryCompressionMode(Compression compression) {
        seed(backing.get());
        try (DragonflyMaster m = emulator(b -> b.compression(compression))) {
            Cli.Result r = Cli.run("replicate", "--source", uri(m), "--target", target.get().uri(), "--mode", "snapshot",
                    "--big-value", "65536", "-q");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("failed            0");
        }
        assertThat(differences(backing.get(), target.get())).isEmpty();
    }

    @Test
    void legacyUntaggedBigValuesToo() {
        seed(backing.get());
        try (DragonflyMaster m = emulator(b -> b.taggedChunks(false))) {
            Cli.Result r = Cli.run("replicate", "--source", uri(m), "--target", target.get().uri(), "--mode", "snapshot", "-q");
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        assertThat(differences(backing.get(), target.get())).isEmpty();
    }

    @Test
    void journalOfRewrittenCommandsIntoACluster() throws Exception {
        RedisServer b = backing.get();
        seedBig(b);
        b.cliScript("SELECT 3\nFLUSHDB"); // a cluster target has db 0 only
        try (DragonflyMaster m = emulator(x -> { });
             LiveRun run = LiveRun.start(uri(m), cluster.get().seedUri())) {
            run.awaitSnapshot();
            long later = System.currentTimeMillis() + 3_600_000L;
            m.write(0, "SET", "live:k", "v", "PXAT", Long.toString(later));
            m.write(0, "SET", "live:counter", "10");
            for (int i = 0; i < 25; i++) m.write(0, "INCR", "live:counter");
            m.write(0, "APPEND", "live:k", "-more");
            m.write(0, "PEXPIREAT", "big:hash", Long.toString(later));
            m.write(0, "LPUSH", "live:list", "a", "b", "c");
            m.write(0, "RPOP", "live:list");
            m.write(0, "HSET", "big:hash", "f1", "changed", "new", "field");
            m.write(0, "HDEL", "big:hash", "f2");
            m.write(0, "SREM", "big:set", "m5");
            m.write(0, "ZADD", "big:zset", "99", "z1");
            m.write(0, "ZINCRBY", "big:zset", "2.5", "z2");
            m.write(0, "MSET", "live:a", "1", "live:b", "2", "live:c", "3", "live:d", "4");
            m.write(0, "DEL", "live:a", "live:c");
            m.write(0, "XADD", "big:stream", "5000-0", "n", "x");
            m.write(0, "XACK", "big:stream", "g1", "1-0", "2-0");
            // a cross-shard RENAME arrives as DEL + RESTORE ... ABSTTL of the value
            byte[] dump = dump(b, "live:list");
            m.write(0, bytes("DEL"), bytes("live:list"));
            m.write(0, bytes("RESTORE"), bytes("live:renamed"), bytes("0"), dump, bytes("REPLACE"), bytes("ABSTTL"));
            m.journalOnly(m.flowOf("live:renamed"), 0, "STICK", "live:renamed"); // Dragonfly-only: dropped
            m.write(0, "SET", "short", "v", "PXAT", Long.toString(System.currentTimeMillis() + 60_000));
            m.expire(0, "short"); // expiry: DEL with txid 0
            m.ping();
            awaitAcked(m);
            assertThat(LiveRun.differences(Datasets.perKey(b), Datasets.perKey(cluster.get()))).isEmpty();
            ReplicateJob.Result r = run.stop();
            assertThat(LiveRun.unexplainedFailures(r)).isEmpty();
        }
    }

    @Test
    void flushdbIsRunOnceAfterEveryFlowReachedIt() throws Exception {
        RedisServer b = backing.get();
        seed(b);
        try (DragonflyMaster m = emulator(x -> { });
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            run.awaitSnapshot();
            for (int i = 0; i < 200; i++) m.write(3, "SET", "before:" + i, "x");
            m.write(3, "FLUSHDB");
            for (int i = 0; i < 200; i++) m.write(3, "SET", "after:" + i, "y");
            awaitAcked(m);
            assertThat(differences(b, target.get())).isEmpty();
            assertThat(target.get().cli("-n", "3", "DBSIZE")).isEqualTo("200");
            assertThat(target.get().cli("-n", "0", "EXISTS", "greeting")).isEqualTo("1");
            run.stop();
        }
    }

    @Test
    void brokenLinksResumeWithPartialSyncAndLoseOrRepeatNothing() throws Exception {
        RedisServer b = backing.get();
        seed(b);
        // a backlog far larger than what the writer below produces while Ferry is away: every resume can be PARTIAL
        try (DragonflyMaster m = emulator(x -> x.backlogRecords(1 << 20));
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            run.awaitSnapshot();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                int i = 0;
                while (writing.get()) {
                    // not idempotent: a record applied twice or lost shows in the counters and lists
                    m.write(0, "INCR", "counter:" + (i % 16));
                    m.write(0, "RPUSH", "log:" + (i % 8), Integer.toString(i));
                    i++;
                }
            });
            writer.start();
            for (int cut = 0; cut < 3; cut++) {
                Thread.sleep(500);
                int before = m.partialSyncs();
                m.cutConnections();
                long deadline = System.currentTimeMillis() + 30_000;
                while (m.partialSyncs() == before) {
                    assertThat(System.currentTimeMillis()).as("partial sync after cut %d", cut).isLessThan(deadline);
                    Thread.sleep(20);
                }
            }
            Thread.sleep(700);
            writing.set(false);
            writer.join();
            m.ping();
            awaitAcked(m);
            assertThat(differences(b, target.get())).isEmpty();
            assertThat(m.fullSyncs()).isEqualTo(1);
            assertThat(m.partialSyncs()).isGreaterThanOrEqualTo(3);
            run.stop();
        }
    }

    @Test
    void aBacklogThatMovedOnOrARestartedMasterGivesAFullSyncWithoutStaleKeys() throws Exception {
        RedisServer b = backing.get();
        seed(b);
        try (DragonflyMaster m = emulator(x -> x.backlogRecords(8));
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            run.awaitSnapshot();
            m.cutConnections();
            // while Ferry is away: more records than the backlog holds, and a key deleted on the master
            for (int i = 0; i < 100; i++) m.write(0, "SET", "gap:" + i, "v");
            m.write(0, "DEL", "greeting");
            awaitFullSyncs(m, 2);
            awaitAcked(m);
            assertThat(differences(b, target.get())).isEmpty();

            m.restart(); // a new master id: its journal cannot continue the old one
            m.write(0, "SET", "after:restart", "1");
            awaitFullSyncs(m, 3);
            awaitAcked(m);
            assertThat(differences(b, target.get())).isEmpty();
            run.stop();
        }
    }

    @Test
    void aNewFullSyncIntoATargetDbThatHeldOtherKeysStopsWithNothingDeleted() throws Exception {
        RedisServer b = backing.get();
        seed(b);
        target.get().cli("SET", "foreign:key", "not the master's");
        try (DragonflyMaster m = emulator(x -> { });
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            run.awaitSnapshot();
            m.restart(); // a new master id: a new full sync, which would have to clear what the first one wrote
            m.write(0, "SET", "after:restart", "1");
            assertThat(run.awaitFailure()).contains("a new full sync from the Dragonfly master")
                    .contains("Stopping with nothing deleted").contains("--target-owned");
        }
        assertThat(target.get().cli("GET", "foreign:key")).isEqualTo("not the master's");
    }

    @Test
    void aJournalGapIsNeverSilentItGivesAFullSync() throws Exception {
        RedisServer b = backing.get();
        seed(b);
        // an LSN marker after every record, so the gap shows at the next record
        try (DragonflyMaster m = emulator(x -> x.lsnMarkerInterval(Duration.ZERO));
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            run.awaitSnapshot();
            int flow = m.flowOf("gap:lost");
            m.write(0, "SET", "gap:before", "1");
            m.loseNextRecord(flow);
            m.write(0, "SET", "gap:lost", "never sent on the wire");
            String next = "gap:after";
            for (int i = 0; m.flowOf(next) != flow; i++) next = "gap:after:" + i;
            m.write(0, "SET", next, "2");
            awaitFullSyncs(m, 2);
            awaitAcked(m);
            // the full sync brought what the journal lost
            assertThat(target.get().cli("GET", "gap:lost")).isEqualTo("never sent on the wire");
            assertThat(differences(b, target.get())).isEmpty();
            run.stop();
        }
    }

    private static void awaitFullSyncs(DragonflyMaster m, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (m.fullSyncs() < n) {
            assertThat(System.currentTimeMillis()).as("full syncs: %d", m.fullSyncs()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void writesAndAFlushallDuringTheFullSync() throws Exception {
        RedisServer b = backing.get();
        seed(b);
        try (DragonflyMaster m = emulator(x -> x.pauseSnapshotAfter(20));
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            m.awaitSnapshotsPaused(Duration.ofSeconds(30));
            for (int i = 0; i < 300; i++) m.write(0, "SET", "during:" + i, "v" + i);
            m.write(0, "HSET", "big:hash", "during", "sync");
            m.resumeSnapshots();
            run.awaitSnapshot();
            awaitAcked(m);
            assertThat(differences(b, target.get())).isEmpty();
        }
        target.get().cli("FLUSHALL");
        try (DragonflyMaster m = emulator(x -> x.pauseSnapshotAfter(20));
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            m.awaitSnapshotsPaused(Duration.ofSeconds(30));
            m.write(0, "FLUSHALL");
            m.write(0, "SET", "after:flush", "1");
            m.resumeSnapshots();
            run.awaitSnapshot();
            awaitAcked(m);
            assertThat(m.fullSyncs()).isGreaterThanOrEqualTo(2);
            assertThat(differences(b, target.get())).isEmpty();
            assertThat(target.get().dbSize()).isEqualTo(1);
        }
    }

    @Test
    void dragonflyOnlyTypesAreListedAndSkippedOrStopTheRun(@TempDir Path dir) throws Exception {
        RedisServer b = backing.get();
        b.cli("SET", "plain", "value");
        try (DragonflyMaster m = emulator(x -> { })) {
            m.putRaw(0, bytes("doc:json"), DragonflyTypes.JSON, rdbString("{\"a\":1}"), -1, 0, 0);
            m.putRaw(0, bytes("cms:sketch"), DragonflyTypes.CMS, new byte[] {2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, -1, 0, 0);
            m.dfMask(0, "plain", 3, 7); // sticky, memcached flags 7: nothing on Redis can keep them
            Path report = dir.resolve("report.jsonl");
            Cli.Result r = Cli.run("replicate", "--source", uri(m), "--target", target.get().uri(), "--mode", "snapshot",
                    "--report", report.toString(), "-q");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(target.get().cli("GET", "plain")).isEqualTo("value");
            assertThat(target.get().dbSize()).isEqualTo(1);
            String lines = Files.readString(report);
            assertThat(lines).contains("doc:json").contains("JSON").contains("cms:sketch").contains("count-min")
                    .contains("memcached flags 7");

            target.get().cli("FLUSHALL");
            Cli.Result fail = Cli.run("replicate", "--source", uri(m), "--target", target.get().uri(), "--mode", "snapshot",
                    "--on-unsupported", "fail", "-q");
            assertThat(fail.exitCode()).as(fail.toString()).isEqualTo(1);
            assertThat(fail.err().strip().lines().filter(s -> !s.isBlank()).count()).isEqualTo(1);
            assertThat(fail.err()).containsAnyOf("doc:json", "cms:sketch").doesNotContain("Exception");
        }
    }

    @Test
    void badSourcesGetOneLine() {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).password("sesame").start()) {
            Cli.Result wrong = Cli.run("replicate", "--source", "dragonfly://:nope@127.0.0.1:" + m.port(), "--target",
                    target.get().uri(), "--mode", "snapshot", "-q");
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.err()).contains("refused").doesNotContain("Exception");
            Cli.Result ok = Cli.run("replicate", "--source", "dragonfly://:sesame@127.0.0.1:" + m.port(), "--target",
                    target.get().uri(), "--mode", "snapshot", "-q");
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
        }
        Cli.Result redis = Cli.run("replicate", "--source", "dragonfly://127.0.0.1:" + backing.get().port(), "--target",
                target.get().uri(), "--mode", "snapshot", "-q");
        assertThat(redis.exitCode()).isEqualTo(1);
        assertThat(redis.err()).contains("not Dragonfly");
    }

    private static byte[] dump(RedisServer s, String key) {
        try (RespConnection c = Datasets.connect(s)) {
            Reply r = c.call("DUMP", key);
            return ((Reply.Bulk) r).bytes();
        }
    }

    private static byte[] rdbString(String s) {
        byte[] b = bytes(s);
        byte[] out = new byte[b.length + 1];
        out[0] = (byte) b.length;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
