package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.demo.SampleData;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RespConnection;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSummary;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Dragonfly flow's lag in time: while the target holds every write back ({@code CLIENT PAUSE ... WRITE}) and the
 * master's journal goes on, each flow shows the age of its oldest record read but not committed, growing; once the
 * pause ends and the target confirmed everything, it is 0 again. Each flow counts the bytes it read (snapshot,
 * then journal), a cut link as one reconnect and a new full sync after the first as one resync.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DragonflyLagIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension(b -> b.name("dragonfly-data")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    private static final int FLOWS = 4;
    /** How long the target holds writes back: long enough for a lag of a whole second to show on every flow. */
    private static final long PAUSE_MS = 5_000;

    /** Waits until every flow acknowledged the last record the emulator journaled: the target confirmed it. */
    private static void awaitAcked(DragonflyMaster m) throws InterruptedException {
        m.ping();
        for (int f = 0; f < m.flows(); f++) {
            long want = m.lsn(f) + 1;
            assertThat(m.awaitAck(f, want, Duration.ofSeconds(60))).as("flow %d acked %d, want %d", f, m.lastAck(f), want).isTrue();
        }
    }

    /** A key of flow {@code flow}, so that every flow gets a record. */
    private static String keyOf(DragonflyMaster m, int flow) {
        for (int i = 0; i < 10_000; i++) {
            if (m.flowOf("lag:" + i) == flow) return "lag:" + i;
        }
        throw new AssertionError("no key of flow " + flow + " among 10,000");
    }

    private static String lags(List<ShardProgress> flows) {
        StringBuilder b = new StringBuilder();
        for (ShardProgress p : flows) {
            b.append(String.format("%n  %s: %d ms, %d records, %d bytes read, %d reconnects, %d resyncs",
                    p.name(), p.lagMillis(), p.lagBytes(), p.bytesRead.sum(), p.reconnects.sum(), p.resyncs.sum()));
        }
        return b.toString();
    }

    @Test
    void lagInSecondsGrowsWhileTheTargetHoldsWritesBackAndReturnsToZero() throws Exception {
        try (RespConnection c = Datasets.connect(backing.get())) {
            SampleData.populate(c, 3);
        }
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(FLOWS).backlogRecords(1 << 16).start();
             LiveRun run = LiveRun.start("dragonfly://127.0.0.1:" + m.port(), target.get().uri())) {
            run.awaitSnapshot();
            List<ShardProgress> flows = run.job.shards();
            assertThat(flows).hasSize(FLOWS);
            awaitAcked(m);
            LiveRun.await("every flow caught up (lag 0)" + lags(flows),
                    () -> flows.stream().allMatch(p -> p.lagMillis() == 0 && p.lagBytes() == 0), null);
            long[] afterSnapshot = new long[FLOWS];
            for (int f = 0; f < FLOWS; f++) {
                ShardProgress p = flows.get(f);
                assertThat(p.bytesRead.sum()).as(p.name() + " read its snapshot").isGreaterThan(0)
                        .isGreaterThanOrEqualTo(p.snapshotBytesRead());
                assertThat(p.reconnects.sum()).as(p.name()).isZero();
                assertThat(p.resyncs.sum()).as(p.name()).isZero();
                afterSnapshot[f] = p.bytesRead.sum();
            }

            assertThat(target.get().cli("CLIENT", "PAUSE", Long.toString(PAUSE_MS), "WRITE")).isEqualTo("OK");
            long pausedAt = System.currentTimeMillis();
            for (int f = 0; f < FLOWS; f++) m.write(0, "SET", keyOf(m, f), "held back");
            // every flow holds a record the target has not confirmed, older than a second
            LiveRun.await("every flow's lag reaching 1 s while the target is paused" + lags(flows),
                    () -> flows.stream().allMatch(p -> p.lagMillis() >= 1_000), null);
            for (ShardProgress p : flows) {
                assertThat(p.lagBytes()).as(p.name() + " records not confirmed").isGreaterThanOrEqualTo(1);
                long lag = p.lagMillis();
                // the records arrived after the pause began: the lag counts from their arrival, not from before
                assertThat(lag).as(p.name() + " lag no older than the pause").isLessThanOrEqualTo(System.currentTimeMillis() - pausedAt);
            }

            // the pause ends by itself: the target confirms the records and every flow is caught up again
            awaitAcked(m);
            LiveRun.await("every flow caught up again after the pause (lag 0)" + lags(flows),
                    () -> flows.stream().allMatch(p -> p.lagMillis() == 0 && p.lagBytes() == 0), null);
            for (int f = 0; f < FLOWS; f++) {
                assertThat(flows.get(f).bytesRead.sum()).as(flows.get(f).name() + " read its journal record")
                        .isGreaterThan(afterSnapshot[f]);
            }

            // a cut link: every flow continues with a partial sync, one reconnect each, no resync
            m.cutConnections();
            LiveRun.await("one reconnect on every flow" + lags(flows),
                    () -> flows.stream().allMatch(p -> p.reconnects.sum() == 1), null);
            awaitAcked(m);
            assertThat(m.partialSyncs()).isEqualTo(1);
            for (ShardProgress p : flows) assertThat(p.resyncs.sum()).as(p.name()).isZero();

            // a restarted master cannot continue its journal: a new full sync, one resync each
            m.restart();
            m.write(0, "SET", "after:restart", "1");
            LiveRun.await("one resync on every flow" + lags(flows),
                    () -> flows.stream().allMatch(p -> p.resyncs.sum() == 1), null);
            awaitAcked(m);
            assertThat(m.fullSyncs()).isEqualTo(2);
            ReplicateJob.Result r = run.stop();
            // the summary counts sessions after the first as reconnects: the same number each flow counted
            for (int f = 0; f < FLOWS; f++) {
                ShardSummary s = r.source().shards().get(f);
                assertThat(flows.get(f).reconnects.sum()).as(s.name()).isEqualTo(s.reconnects()).isGreaterThanOrEqualTo(2);
                assertThat(flows.get(f).resyncs.sum()).as(s.name()).isEqualTo(s.fullSyncs() - 1).isEqualTo(1);
            }
        }
    }
}
