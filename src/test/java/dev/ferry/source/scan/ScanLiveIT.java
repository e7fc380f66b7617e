package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Live scan mode: keyspace events drive re-reads while the source keeps changing. */
class ScanLiveIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("scanlive-src")
            .args("--notify-keyspace-events", "KA")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension plainSource = new RedisServerExtension(b -> b.name("scanlive-plain"))
            .flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("scanlive-dst")).flushBeforeEach();

    private static final ScanSettings LIVE = ScanSettings.defaults().withLive(true).withBatchSize(50);

    @Test
    void changesDuringAndAfterTheSnapshotAreFollowed() throws Exception {
        try (RespConnection c = Datasets.connect(source.get())) {
            SampleData.populate(c, 3);
        }
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(), LIVE);
             RespConnection c = Datasets.connect(source.get())) {
            CompletableFuture<Long> during = CompletableFuture.supplyAsync(() -> {
                try (RespConnection w = Datasets.connect(source.get())) {
                    return Workload.run(w, 2_000, 1);
                }
            });
            run.source.snapshot();
            run.source.followLive();
            assertThat(during.get()).isPositive();
            Workload.run(c, 500, 2);
            c.callOk("DEL", "greeting", "list:big");
            run.source.stop();
            assertThat(run.source.counters().eventsReceived.sum()).isPositive();
            assertThat(run.source.counters().eventsDropped.sum()).isZero();
            assertThat(run.source.counters().keysDeleted.sum()).isPositive();
            assertThat(run.stats.failedCount()).isZero();
        }
        Thread.sleep(400); // short TTLs run out on both sides
        assertThat(PerKeyDiff.of(Datasets.perKey(source.get()), Datasets.perKey(target.get()))).isEmpty();
        assertThat(Datasets.perKey(target.get())).doesNotContainKey("0:greeting");
    }

    @Test
    void aHotKeyIsReadOnceForABurstAndEndsAtItsFinalValue() throws Exception {
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(), LIVE);
             RespConnection c = Datasets.connect(source.get())) {
            run.source.snapshot();
            run.source.followLive();
            RespOutput out = new RespOutput(4096);
            for (int sent = 0; sent < 10_000; sent += 100) {
                for (int i = 0; i < 100; i++) out.command(2).arg("INCR").arg("hot");
                out.writeTo(c.output());
                c.output().flush();
                for (int i = 0; i < 100; i++) c.reader().read();
            }
            assertThat(run.source.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            run.source.stop();
            assertThat(run.source.counters().eventsReceived.sum()).isEqualTo(10_000);
            assertThat(run.source.counters().eventsCoalesced.sum()).isPositive();
            assertThat(run.source.counters().keysReread.sum()).isLessThan(10_000);
        }
        assertThat(target.get().cli("GET", "hot")).isEqualTo("10000");
    }

    @Test
    void aFullQueueDropsEventsLoudlyAndRepairsByRescan() throws Exception {
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(), LIVE.withQueueLimit(10));
             RespConnection c = Datasets.connect(source.get())) {
            run.source.snapshot();
            // events pile up before live re-reading starts: more distinct keys than the queue holds
            for (int i = 0; i < 200; i++) c.callOk("SET", "k" + i, "v" + i);
            Thread.sleep(200);
            run.source.followLive();
            assertThat(run.source.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            run.source.stop();
            assertThat(run.source.counters().eventsDropped.sum()).isPositive();
            assertThat(run.source.counters().rescans.sum()).isPositive();
            assertThat(run.stats.warnedByReason().keySet()).anyMatch(r -> r.startsWith("keyspace event dropped"));
        }
        assertThat(PerKeyDiff.of(Datasets.perKey(source.get()), Datasets.perKey(target.get()))).isEmpty();
        assertThat(target.get().dbSize()).isEqualTo(200);
    }

    @Test
    void aLostSubscriptionIsReportedAndRepairedByRescan() throws Exception {
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(), LIVE);
             RespConnection c = Datasets.connect(source.get())) {
            c.callOk("SET", "before", "1");
            run.source.snapshot();
            run.source.followLive();
            c.callOk("CLIENT", "KILL", "TYPE", "pubsub");
            // written while no subscription listens: only the re-scan can find these
            for (int i = 0; i < 50; i++) c.callOk("SET", "gap:" + i, "v" + i);
            long deadline = System.currentTimeMillis() + 10_000;
            while (run.source.counters().rescans.sum() == 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            assertThat(run.source.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            run.source.stop();
            assertThat(run.source.counters().subscriptionLosses.sum()).isEqualTo(1);
            assertThat(run.source.counters().rescans.sum()).isEqualTo(1);
            assertThat(run.stats.warnedByReason().keySet()).anyMatch(r -> r.contains("subscription") && r.contains("lost"));
        }
        assertThat(PerKeyDiff.of(Datasets.perKey(source.get()), Datasets.perKey(target.get()))).isEmpty();
        assertThat(target.get().dbSize()).isEqualTo(51);
    }

    @Test
    void missingNotificationsStopWithTheFix() {
        plainSource.get().cli("SET", "a", "1");
        try (ScanRun run = new ScanRun(plainSource.get().uri(), target.get().uri(), LIVE)) {
            assertThatThrownBy(run.source::snapshot).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("CONFIG SET notify-keyspace-events KA")
                    .hasMessageContaining("--set-notify-config");
        }
        assertThat(target.get().dbSize()).isZero();
    }

    @Test
    void setNotifyConfigTurnsThemOnKeepingExistingFlags() throws Exception {
        plainSource.get().cli("CONFIG", "SET", "notify-keyspace-events", "Ex");
        try (ScanRun run = new ScanRun(plainSource.get().uri(), target.get().uri(), LIVE.withSetNotifyConfig(true))) {
            run.source.snapshot();
            run.source.followLive();
            // during the run: what was there, plus every class on the keyspace channel
            assertThat(plainSource.get().cli("CONFIG", "GET", "notify-keyspace-events")).contains("K").contains("A").contains("E");
            plainSource.get().cli("SET", "after", "snapshot");
            run.source.stop();
        } finally {
            // and the old value back once the run is over (NotifyConfigRestoreIT covers how)
            String flags = plainSource.get().cli("CONFIG", "GET", "notify-keyspace-events");
            plainSource.get().cli("CONFIG", "SET", "notify-keyspace-events", "");
            assertThat(flags).isEqualTo("notify-keyspace-events\nxE");
        }
        assertThat(target.get().cli("GET", "after")).isEqualTo("snapshot");
    }
}
