package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.demo.SampleData;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.record.FlowLsn;
import dev.ferry.resp.RespConnection;
import dev.ferry.source.ShardSummary;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A second run from a Dragonfly master continues from the LSNs the first run left in its checkpoint on the target:
 * the missed journal and nothing else is applied (counters and lists show a record lost or applied twice). Where the
 * master cannot continue (it restarted, its backlog moved on, a flow has no checkpoint) the run says why and a full
 * sync copies anew, after the earlier copy is removed (keys the master deleted meanwhile must not stay). Both runs
 * are whole {@code replicate} jobs with their checkpoints, as a restart after a crash runs them. Within one run, a
 * broken link resumes every flow from what it handed on, so a FLUSHALL some flows waited at is met again by all.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DragonflyResumeIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension(b -> b.name("dragonfly-data")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    private static final int FLOWS = 4;
    private static final String PREFIX = CheckpointKeys.DEFAULT_PREFIX;

    private static DragonflyMaster emulator(Consumer<DragonflyMaster.Builder> tweak) {
        DragonflyMaster.Builder b = DragonflyMaster.builder(backing.get()).flows(FLOWS);
        tweak.accept(b);
        return b.start();
    }

    private static String uri(DragonflyMaster m) {
        return "dragonfly://127.0.0.1:" + m.port();
    }

    private static void seed() {
        try (RespConnection c = Datasets.connect(backing.get())) {
            SampleData.populate(c, 7);
        }
    }

    /** Writes a record can only be applied once for: a lost or repeated one shows in the values. */
    private static void nonIdempotentWrites(DragonflyMaster m, String tag, int n) {
        for (int i = 0; i < n; i++) {
            m.write(0, "INCR", "counter:" + (i % 16));
            m.write(0, "RPUSH", "log:" + (i % 8), tag + "-" + i);
            m.write(2, "HINCRBY", "tally", "f" + (i % 5), "3");
        }
    }

    /** Waits until every flow acknowledged the last record the emulator journaled: the target confirmed it. */
    private static void awaitAcked(DragonflyMaster m) throws InterruptedException {
        m.ping();
        for (int f = 0; f < m.flows(); f++) {
            long want = m.lsn(f) + 1;
            assertThat(m.awaitAck(f, want, Duration.ofSeconds(60))).as("flow %d acked %d, want %d", f, m.lastAck(f), want).isTrue();
        }
    }

    /** The master's data against the target's, value by value, leaving out Ferry's checkpoint hashes. */
    private static List<String> differences() {
        Map<String, String> onTarget = Datasets.perKey(target.get());
        onTarget.keySet().removeIf(k -> k.substring(k.indexOf(':') + 1).startsWith(PREFIX));
        return LiveRun.differences(Datasets.perKey(backing.get()), onTarget);
    }

    /** A replicate job that keeps its checkpoints on the target, as the command line runs it; its notices go to {@code notices}. */
    private static LiveRun run(DragonflyMaster m, List<String> notices) {
        return LiveRun.startWithSource(uri(m), target.get().uri(), job -> {
            job.checkpoints(new ReplicateJob.CheckpointSettings(PREFIX, false)).notices(notices::add);
            return job.replicaSource();
        });
    }

    /**
     * Run 1: a full sync, live non-idempotent writes, stopped once the target confirmed them (its last checkpoint
     * holds them). Returns each flow's confirmed position from its summary.
     */
    private static List<FlowLsn> firstRun(DragonflyMaster m) throws InterruptedException {
        List<String> notices = new CopyOnWriteArrayList<>();
        ReplicateJob.Result r;
        try (LiveRun run = run(m, notices)) {
            run.awaitSnapshot();
            nonIdempotentWrites(m, "run1", 200);
            m.write(0, "SET", "stale:key", "deleted on the master while Ferry is down, in some tests");
            awaitAcked(m);
            r = run.stop();
        }
        assertThat(notices).as("a first run resumes nothing").isEmpty();
        assertThat(differences()).isEmpty();
        List<FlowLsn> out = new ArrayList<>();
        for (ShardSummary s : r.source().shards()) {
            assertThat(s.committed()).as(s.name()).isInstanceOf(FlowLsn.class);
            FlowLsn f = (FlowLsn) s.committed();
            assertThat(f.isInFullSync()).as(s.name()).isFalse();
            out.add(f);
        }
        assertThat(out).hasSize(FLOWS);
        return out;
    }

    @Test
    void aSecondRunContinuesFromTheCheckpointAndAppliesExactlyTheMissedWrites() throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16))) {
            List<FlowLsn> confirmed = firstRun(m);
            // Ferry is down: the master goes on
            nonIdempotentWrites(m, "down", 300);
            m.write(0, "DEL", "counter:3");
            m.write(0, "SET", "while:down", "written while Ferry was down");
            List<String> notices = new CopyOnWriteArrayList<>();
            ReplicateJob.Result r;
            try (LiveRun run = run(m, notices)) {
                run.awaitSnapshot();
                nonIdempotentWrites(m, "run2", 100);
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                r = run.stop();
            }
            List<String> resumed = new ArrayList<>();
            for (int f = 0; f < FLOWS; f++) resumed.add("resuming flow " + f + " from " + confirmed.get(f).describe());
            assertThat(notices).containsExactlyInAnyOrderElementsOf(resumed);
            assertThat(m.fullSyncs()).as("only the first run's").isEqualTo(1);
            assertThat(m.partialSyncs()).isEqualTo(1);
            // value by value: 600 INCRs over 16 counters, one deleted while Ferry was down, then 100 more
            assertThat(target.get().cli("GET", "counter:0")).isEqualTo(Integer.toString(13 + 19 + 7));
            assertThat(target.get().cli("GET", "counter:3")).isEqualTo(Integer.toString(7));
            assertThat(target.get().cli("LLEN", "log:0")).isEqualTo(Integer.toString(25 + 38 + 13));
            assertThat(r.snapshotComplete()).isTrue();
            for (ShardSummary s : r.source().shards()) {
                assertThat(s.fullSyncs()).as(s.name()).isZero();
                assertThat(s.partialSyncs()).as(s.name()).isEqualTo(1);
            }
            assertThat(String.join("\n", r.source().notes())).contains("continued from the checkpoint an earlier run left on the target")
                    .contains(String.format(Locale.ROOT, "flow 0 from LSN %,d", confirmed.get(0).lsn()));
        }
        assertThat(differences()).isEmpty();
    }

    /**
     * A crash leaves the checkpoint's positions behind the guarded writes the target already holds: a resume from
     * there replays the flows' records after them, and every INCR, RPUSH and HINCRBY the guards cover is skipped.
     */
    @Test
    void aResumeFromAnOlderCheckpointAppliesEveryNonRepeatableRecordOnce() throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16))) {
            long[] older = new long[FLOWS];
            try (LiveRun run = run(m, new CopyOnWriteArrayList<>())) {
                run.awaitSnapshot();
                nonIdempotentWrites(m, "a", 200);
                awaitAcked(m);
                for (int f = 0; f < FLOWS; f++) older[f] = checkpointLsnReaching(f, m.lsn(f) + 1);
                nonIdempotentWrites(m, "b", 200);
                awaitAcked(m);
                run.stop();
            }
            for (int f = 0; f < FLOWS; f++) setCheckpointLsn(f, older[f]);
            List<String> notices = new CopyOnWriteArrayList<>();
            try (LiveRun run = run(m, notices)) {
                run.awaitSnapshot();
                nonIdempotentWrites(m, "c", 50);
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                run.stop();
            }
            assertThat(notices).hasSize(FLOWS).allMatch(n -> n.startsWith("resuming flow "));
            assertThat(target.get().cli("GET", "counter:0")).isEqualTo(Integer.toString(13 + 13 + 4)); // 450 INCRs over 16 counters, each once
        }
    }

    /** Waits (10 s at most) until the checkpoint holds flow {@code flow} at LSN {@code lsn} or later; returns it. */
    private static long checkpointLsnReaching(int flow, long lsn) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            String at = target.get().cli("HGET", checkpointHash(), "at:" + flow);
            long held = at.startsWith("flow ") ? Long.parseLong(at.substring(at.lastIndexOf(' ') + 1)) : -1;
            if (held >= lsn) return held;
            assertThat(System.currentTimeMillis()).as("flow %d's checkpoint at %d, waiting for %d", flow, held, lsn).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void aRestartedMasterGivesTheReasonAndAFullSyncOverTheRemovedEarlierCopy() throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16))) {
            firstRun(m);
            String before = m.replid();
            m.restart(); // a new master id: its journal cannot continue the one the checkpoint is in
            nonIdempotentWrites(m, "down", 50);
            m.write(0, "DEL", "stale:key"); // it would survive a copy laid over the old one
            List<String> notices = new CopyOnWriteArrayList<>();
            ReplicateJob.Result r;
            try (LiveRun run = run(m, notices)) {
                LiveRun.await("the full sync", () -> m.fullSyncs() == 2, null);
                run.awaitSnapshot();
                nonIdempotentWrites(m, "run2", 50);
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                r = run.stop();
            }
            String why = "the Dragonfly master restarted (its replication id changed from " + before + " to " + m.replid()
                    + "), so its journal cannot continue the earlier run's";
            // every flow gives the reason alike: it is said once
            assertThat(notices).containsExactly("cannot resume: " + why + "; full sync");
            assertThat(m.partialSyncs()).isZero();
            assertThat(r.snapshotComplete()).isTrue();
            assertThat(String.join("\n", r.source().notes())).contains("could not continue from the target's checkpoint: " + why);
        }
        assertThat(target.get().cli("EXISTS", "stale:key")).isEqualTo("0");
    }

    /**
     * More records than the backlog holds on one flow (the master answers FULL there and PARTIAL elsewhere, which
     * Dragonfly's replica gives up on too) or on every flow.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBacklogThatNoLongerReachesTheCheckpointGivesTheReasonAndAFullSync(boolean everyFlow) throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(16))) {
            List<FlowLsn> confirmed = firstRun(m);
            int busy = 2;
            for (int f = 0; f < FLOWS; f++) {
                if (!everyFlow && f != busy) continue;
                String key = keyOnFlow(m, f);
                for (int i = 0; i < 40; i++) m.write(0, "RPUSH", key, "down-" + i);
            }
            m.write(0, "DEL", "stale:key");
            List<String> notices = new CopyOnWriteArrayList<>();
            try (LiveRun run = run(m, notices)) {
                LiveRun.await("the full sync", () -> m.fullSyncs() == 2, null);
                run.awaitSnapshot();
                nonIdempotentWrites(m, "run2", 50);
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                run.stop();
            }
            assertThat(notices).as("every flow's reason alike, said once").hasSize(1);
            String why = notices.get(0);
            if (everyFlow) {
                assertThat(why).startsWith(String.format(Locale.ROOT, "cannot resume: the master no longer holds the journal of "
                        + "every flow (flow 0 from LSN %,d", confirmed.get(0).lsn()));
            } else {
                assertThat(why).isEqualTo(String.format(Locale.ROOT, "cannot resume: the master no longer holds flow %d's journal "
                        + "from LSN %,d: its journal backlog (--shard_repl_backlog_len records per shard) no longer reaches "
                        + "back there; full sync", busy, confirmed.get(busy).lsn()));
            }
        }
        assertThat(target.get().cli("EXISTS", "stale:key")).isEqualTo("0");
    }

    /** A run that died before flow 1 settled leaves no position for it: the master is not even asked to continue. */
    @Test
    void aFlowWithoutACheckpointGivesAFullSyncWithoutAskingForAPartialOne() throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16))) {
            firstRun(m);
            String hash = new String(new CheckpointKeys(PREFIX).key(0), StandardCharsets.UTF_8);
            assertThat(target.get().cli("HDEL", hash, "at:1")).isEqualTo("1");
            nonIdempotentWrites(m, "down", 50);
            m.write(0, "DEL", "stale:key");
            List<String> notices = new CopyOnWriteArrayList<>();
            try (LiveRun run = run(m, notices)) {
                LiveRun.await("the full sync", () -> m.fullSyncs() == 2, null);
                run.awaitSnapshot();
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                run.stop();
            }
            assertThat(notices).contains("cannot resume: the target holds no checkpoint for flow 1 of the master's 4: the "
                    + "earlier run did not reach the journal on every flow, or the master's shard count changed; full sync");
            assertThat(m.partialSyncs()).isZero();
        }
        assertThat(target.get().cli("EXISTS", "stale:key")).isEqualTo("0");
    }

    /**
     * Within one run: the link breaks while flows 1-3 wait at a FLUSHALL for flow 0, which had not received it yet.
     * Every flow must continue from before the FLUSHALL, so that all meet it again and it runs once; flows 1-3 had
     * continued after it, and flow 0 waited at the barrier for them for ever (its later writes never arrived).
     */
    @Test
    void aLinkBrokenWhileFlowsWaitAtAFlushallContinuesEveryFlowFromBeforeIt() throws Exception {
        seed();
        // no LSN marker after the first record: the record lost below must not show as a gap (that gives a full sync)
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16).lsnMarkerInterval(Duration.ofHours(1)));
             LiveRun run = LiveRun.start(uri(m), target.get().uri())) {
            run.awaitSnapshot();
            nonIdempotentWrites(m, "before", 50);
            awaitAcked(m);
            List<dev.ferry.source.ShardProgress> shards = run.job.shards();
            long[] read = new long[FLOWS];
            for (int f = 0; f < FLOWS; f++) read[f] = shards.get(f).commandsRead.sum();
            m.loseNextRecord(0); // flow 0's FLUSHALL is still in flight when the link breaks
            m.write(0, "FLUSHALL");
            LiveRun.await("flows 1-3 read the FLUSHALL", () -> {
                for (int f = 1; f < FLOWS; f++) if (shards.get(f).commandsRead.sum() <= read[f]) return false;
                return true;
            }, null);
            int partial = m.partialSyncs();
            m.cutConnections();
            LiveRun.await("a partial sync after the cut", () -> m.partialSyncs() > partial, null);
            nonIdempotentWrites(m, "after", 50);
            awaitAcked(m);
            assertThat(differences()).isEmpty();
            assertThat(target.get().cli("GET", "counter:0")).isEqualTo("4");
            assertThat(m.fullSyncs()).isEqualTo(1);
            run.stop();
        }
    }

    private static String keyOnFlow(DragonflyMaster m, int flow) {
        for (int i = 0; ; i++) {
            String k = "busy:" + i;
            if (m.flowOf(k) == flow) return k;
        }
    }

    /** The checkpoint hash on the (one) target, as redis-cli names it. */
    private static String checkpointHash() {
        return new String(new CheckpointKeys(PREFIX).key(0), StandardCharsets.UTF_8);
    }

    /** Flow {@code flow}'s position on the target's checkpoint moved to {@code lsn}, as a crash could leave it. */
    private static void setCheckpointLsn(int flow, long lsn) {
        String at = target.get().cli("HGET", checkpointHash(), "at:" + flow); // "flow <master> <flow> <lsn>"
        assertThat(at).startsWith("flow ");
        target.get().cli("HSET", checkpointHash(), "at:" + flow, at.substring(0, at.lastIndexOf(' ') + 1) + lsn);
    }

    /**
     * Run 1 of the FLUSHALL tests: a full sync, writes, a FLUSHALL in the live journal, writes after it, stopped once
     * the target confirmed them. Returns the FLUSHALL's LSN on each flow.
     */
    private static long[] firstRunWithAFlushall(DragonflyMaster m, Consumer<LiveRun> whileRunning) throws InterruptedException {
        long[] flushAt = new long[FLOWS];
        try (LiveRun run = run(m, new CopyOnWriteArrayList<>())) {
            run.awaitSnapshot();
            whileRunning.accept(run);
            nonIdempotentWrites(m, "before", 50);
            awaitAcked(m);
            m.write(0, "FLUSHALL");
            for (int f = 0; f < FLOWS; f++) flushAt[f] = m.lsn(f); // the FLUSHALL is each flow's last record
            nonIdempotentWrites(m, "after", 50);
            m.write(0, "SET", "stale:key", "deleted on the master while Ferry is down");
            awaitAcked(m);
            run.stop();
        }
        assertThat(differences()).isEmpty();
        return flushAt;
    }

    /**
     * A crash in the window an older Ferry left after a FLUSHALL: the flow that ran it had its position past it on the
     * target, the others not yet. A restart then continued flow 1 from before the FLUSHALL and the others from after
     * it: flow 1 met it again and waited there for flows that never came, on every restart. Now the run sees that
     * the others read all the master journaled without meeting it, says so, and copies the whole dataset again.
     */
    @Test
    void flowsContinuedFromBothSidesOfAFlushallGiveTheReasonAndAFullSyncInsteadOfWaitingForEver() throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16))) {
            long[] flushAt = firstRunWithAFlushall(m, run -> { });
            setCheckpointLsn(1, flushAt[1]); // flow 1's next record is the FLUSHALL again
            nonIdempotentWrites(m, "down", 50);
            m.write(0, "DEL", "stale:key");
            List<String> notices = new CopyOnWriteArrayList<>();
            ReplicateJob.Result r;
            try (LiveRun run = run(m, notices)) {
                LiveRun.await("the full sync after flow 1 waited at the FLUSHALL alone", () -> m.fullSyncs() == 2, null);
                run.awaitSnapshot();
                nonIdempotentWrites(m, "run2", 50);
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                r = run.stop();
            }
            assertThat(m.partialSyncs()).as("the resume from the checkpoint").isEqualTo(1);
            String apart = "flows 0, 2, 3 are past the FLUSHALL \\(txid \\d+\\) that flow 1 waits at: they continued from "
                    + "after it and flow 1 from before it \\(a checkpoint an older Ferry wrote, or one half written when "
                    + "Ferry stopped\\), so they can never meet there";
            assertThat(notices).anySatisfy(n -> assertThat(n).matches("cannot resume: " + apart + "; full sync"));
            assertThat(notices).filteredOn(n -> n.startsWith("cannot resume")).hasSize(1);
            assertThat(String.join("\n", r.source().notes())).containsPattern("could not continue from the target's "
                    + "checkpoint: " + apart);
            assertThat(r.snapshotComplete()).isTrue();
            // value by value: the FLUSHALL reset the counters; 50 INCRs after it, 50 while down, 50 now, over 16 counters
            assertThat(target.get().cli("GET", "counter:0")).isEqualTo("12");
            assertThat(target.get().cli("LLEN", "log:0")).isEqualTo(Integer.toString(7 + 7 + 7));
        }
        assertThat(target.get().cli("EXISTS", "stale:key")).isEqualTo("0");
        assertThat(differences()).isEmpty();
    }

    /**
     * The FLUSHALL and every flow's move past it reach the target's checkpoint in one write: the first checkpoint
     * write that has any flow past it has every flow past it. A crash right after it (its positions put back on the
     * target after run 1) continues every flow from after the FLUSHALL, and the writes after it apply once each.
     */
    @Test
    void theFlushallMovesEveryFlowPastItInOneCheckpointWriteAndACrashRightAfterItResumes() throws Exception {
        seed();
        try (DragonflyMaster m = emulator(b -> b.backlogRecords(1 << 16));
             CheckpointWrites writes = new CheckpointWrites()) {
            long[] flushAt = firstRunWithAFlushall(m, run -> { });
            Map<Integer, Long> first = null;
            for (Map<Integer, Long> w : writes.positions()) {
                boolean anyPast = false;
                for (Map.Entry<Integer, Long> e : w.entrySet()) anyPast |= e.getValue() > flushAt[e.getKey()];
                if (anyPast) {
                    first = w;
                    break;
                }
            }
            assertThat(first).as("a checkpoint write past the FLUSHALL among %s", writes.positions()).isNotNull();
            for (int f = 0; f < FLOWS; f++) {
                assertThat(first).as("flow %d in the first write past the FLUSHALL", f).containsKey(f);
                assertThat(first.get(f)).as("flow %d", f).isEqualTo(flushAt[f] + 1);
            }
            // a crash right after that write: the checkpoint holds its positions (the guards stay as run 1 left them)
            for (int f = 0; f < FLOWS; f++) setCheckpointLsn(f, first.get(f));
            nonIdempotentWrites(m, "down", 50);
            List<String> notices = new CopyOnWriteArrayList<>();
            try (LiveRun run = run(m, notices)) {
                run.awaitSnapshot();
                nonIdempotentWrites(m, "run2", 50);
                awaitAcked(m);
                assertThat(differences()).isEmpty();
                run.stop();
            }
            assertThat(notices).noneMatch(n -> n.startsWith("cannot resume"));
            assertThat(m.partialSyncs()).isEqualTo(1);
            assertThat(m.fullSyncs()).as("only the first run's").isEqualTo(1);
            assertThat(target.get().cli("GET", "counter:0")).isEqualTo("12");
            assertThat(target.get().cli("LLEN", "log:0")).isEqualTo(Integer.toString(7 + 7 + 7));
        }
        assertThat(differences()).isEmpty();
    }

    /** Every HSET of flow positions on the target's checkpoint, in order, seen through MONITOR: flow to LSN. */
    private static final class CheckpointWrites implements AutoCloseable {
        private final RespConnection c = dev.ferry.testkit.Datasets.connect(target.get());
        private final List<Map<Integer, Long>> seen = new CopyOnWriteArrayList<>();
        private final Thread reader;
        private static final String MARK = "checkpoint-writes-mark";
        private final java.util.concurrent.CountDownLatch marked = new java.util.concurrent.CountDownLatch(1);

        CheckpointWrites() {
            c.callOk("MONITOR");
            reader = new Thread(() -> {
                try {
                    while (true) take(c.reader().read().asText());
                } catch (Exception closed) {
                    // the test closed the connection
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        private void take(String line) {
            if (line.contains(MARK)) marked.countDown();
            if (!line.contains("\"HSET\"")) return;
            List<String> args = quoted(line);
            if (args.size() < 4 || !args.get(1).equals(checkpointHash())) return;
            Map<Integer, Long> positions = new java.util.TreeMap<>();
            for (int i = 2; i + 1 < args.size(); i += 2) {
                String field = args.get(i);
                String value = args.get(i + 1);
                if (field.startsWith("at:") && value.startsWith("flow ")) {
                    positions.put(Integer.parseInt(field.substring(3)), Long.parseLong(value.substring(value.lastIndexOf(' ') + 1)));
                }
            }
            if (!positions.isEmpty()) seen.add(positions);
        }

        /** The arguments MONITOR shows, each in double quotes with backslash escapes. */
        private static List<String> quoted(String line) {
            List<String> out = new ArrayList<>();
            StringBuilder arg = null;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (arg == null) {
                    if (ch == '"') arg = new StringBuilder();
                } else if (ch == '\\' && i + 1 < line.length()) {
                    arg.append(line.charAt(++i));
                } else if (ch == '"') {
                    out.add(arg.toString());
                    arg = null;
                } else {
                    arg.append(ch);
                }
            }
            return out;
        }

        /** Every write made before this was called: MONITOR shows commands in order, so once it shows a mark sent now. */
        List<Map<Integer, Long>> positions() {
            target.get().cli("ECHO", MARK);
            try {
                assertThat(marked.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("MONITOR showed the mark").isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return seen;
        }

        @Override
        public void close() {
            c.close();
        }
    }
}
