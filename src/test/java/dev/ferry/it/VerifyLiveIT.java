package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Workload;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ferry verify} against a source that is still being written, as an operator runs it before a cut-over:
 * the first pass sees keys in flight, later rounds re-check them and converge once writes stop. And
 * {@code replicate --mode snapshot --verify}, which proves its own copy.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VerifyLiveIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("live-source")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("live-target")).flushBeforeEach();

    static final int ROUNDS = 5;
    static final long ROUND_DELAY_MS = 700;
    static final long STOP_WORKLOAD_AFTER_MS = 1_000;
    /**
     * The target refuses writes this long after verify starts (CLIENT PAUSE WRITE; reads go on), so the
     * replication lags for a while and the first pass is sure to find keys the target does not have yet: without
     * it, a fast enough replication could leave nothing to converge and the test would prove nothing.
     */
    static final long TARGET_LAG_MS = 1_200;

    @Test
    void roundsConvergeToZeroOnceTheWorkloadStops() throws Exception {
        RedisServer s = source.get();
        Workload.on(s).seed(31).keys(1500).separateExpiry().runFor(Duration.ofMillis(600)); // data for the snapshot
        try (LiveRun run = LiveRun.start(s.uri(), target.get().uri())) {
            Workload load = Workload.on(s).seed(32).keys(1500).separateExpiry().rate(3000).start();
            run.awaitSnapshot();
            LiveRun.sleep(500); // the stream is flowing

            assertThat(target.get().cli("CLIENT", "PAUSE", Long.toString(TARGET_LAG_MS), "WRITE")).isEqualTo("OK");
            long verifyStart = System.nanoTime();
            CompletableFuture<Long> stopped = CompletableFuture.supplyAsync(() -> {
                LiveRun.sleep(STOP_WORKLOAD_AFTER_MS);
                load.stop();
                return (System.nanoTime() - verifyStart) / 1_000_000;
            });
            Cli.Result r = Cli.run("verify", "--source", s.uri(), "--target", target.get().uri(), "-q",
                    "--rounds", Integer.toString(ROUNDS), "--round-delay", Long.toString(ROUND_DELAY_MS));
            long verifyMs = (System.nanoTime() - verifyStart) / 1_000_000;
            long stoppedAtMs = stopped.get(30, TimeUnit.SECONDS);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(stoppedAtMs).as("the workload stopped while verify ran (verify took %d ms)\n%s", verifyMs, r)
                    .isLessThan(verifyMs);

            VerifySummary v = VerifySummary.parse(r);
            assertThat(v.resultLine()).isEqualTo("result: EQUAL");
            List<Long> perRound = v.differencesAfterEachRound();
            assertThat(perRound.get(0)).as("the first pass saw writes in flight\n%s", r).isPositive();
            // once a round leaves nothing to re-check, the rounds left have nothing to do: stopping early is allowed
            assertThat(v.rounds()).as(r.toString()).isBetween(2, ROUNDS);
            // Rounds start at least ROUND_DELAY_MS apart, so every round from the second delay on begins after
            // the workload stopped (1 s), whether or not the first pass counts as a round.
            int firstAfterStop = (int) Math.min(perRound.size() - 1, STOP_WORKLOAD_AFTER_MS / ROUND_DELAY_MS + 1);
            for (int i = Math.max(1, firstAfterStop); i < perRound.size(); i++) {
                assertThat(perRound.get(i)).as("round %d after the workload stopped: %s\n%s", i + 1, perRound, r)
                        .isLessThanOrEqualTo(perRound.get(i - 1));
            }
            assertThat(perRound.get(perRound.size() - 1)).as(r.toString()).isZero();
            assertThat(v.counters()).containsOnly(0L);
            run.stop();
        }
    }

    @Test
    void replicateSnapshotWithVerifyProvesItsCopy() {
        RedisServer s = source.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 11);
        }
        Cli.Result r = Cli.run("replicate", "--source", s.uri(), "--target", target.get().uri(), "--mode", "snapshot",
                "--verify", "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as("the copy's own summary is there too").contains("keys written");
        VerifySummary v = VerifySummary.parse(r);
        assertThat(v.resultLine()).isEqualTo("result: EQUAL");
        assertThat(v.counters()).as(r.toString()).containsOnly(0L);
        assertThat(v.sourceKeys()).as(r.toString()).isEqualTo(VerifyData.keyCount(s));
        assertThat(v.targetKeys()).as(r.toString()).isEqualTo(VerifyData.keyCount(s));
    }

    @Test
    void replicateSnapshotWithVerifyExitsThreeWhenTheTargetHeldMore() {
        RedisServer s = source.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 11);
        }
        target.get().cli("SET", "stray", "was here before the copy"); // a copy overwrites, it does not empty the target
        Cli.Result r = Cli.run("replicate", "--source", s.uri(), "--target", target.get().uri(), "--mode", "snapshot",
                "--verify", "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        VerifySummary v = VerifySummary.parse(r);
        assertThat(v.counters()).as(r.toString()).containsExactly(0L, 1L, 0L, 0L, 0L);
    }

    /**
     * On a live source a key can vanish, or come back as another type, between the reads verify makes of it
     * (TYPE, then the value, then a stream's consumers and PEL). That is what a later round is for: it must
     * make the key a candidate, never end the run with "could not finish". The churn below recreates and
     * deletes streams with groups, and flips keys between types, as fast as one connection can.
     */
    static final int CHURN_KEYS = 3000;

    @Test
    void keysThatVanishOrChangeTypeWhileReadAreCandidatesNotFailures() throws Exception {
        RedisServer s = source.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 3);
        }
        VerifyData.copy(s, target.get());
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Long> churn = CompletableFuture.supplyAsync(() -> {
            long batches = 0;
            try (RespConnection c = Datasets.connect(s)) {
                while (!stop.get()) {
                    // each phase takes milliseconds, about as long as verify takes from reading a batch's
                    // types to reading its streams' consumers
                    List<byte[][]> streams = new java.util.ArrayList<>();
                    List<byte[][]> lists = new java.util.ArrayList<>();
                    List<byte[][]> dels = new java.util.ArrayList<>();
                    for (int i = 0; i < CHURN_KEYS; i++) {
                        String k = "churn:" + i;
                        streams.add(VerifyData.args("XADD", k, "*", "f", "v"));
                        streams.add(VerifyData.args("XGROUP", "CREATE", k, "g", "0"));
                        streams.add(VerifyData.args("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, ">"));
                        lists.add(VerifyData.args("RPUSH", k, "a", "b"));
                        dels.add(VerifyData.args("DEL", k));
                    }
                    VerifyData.pipeline(c, streams);
                    VerifyData.pipeline(c, dels);
                    VerifyData.pipeline(c, lists);
                    VerifyData.pipeline(c, dels);
                    batches++;
                }
            }
            return batches;
        });
        try {
            for (int run = 0; run < 8; run++) {
                Cli.Result r = Cli.run("verify", "--source", s.uri(), "--target", target.get().uri(), "-q",
                        "--rounds", "2", "--round-delay", "10");
                assertThat(r.exitCode()).as("run %d: 0 or 3, never 'could not finish'\n%s", run, r).isIn(0, 3);
            }
        } finally {
            stop.set(true);
        }
        assertThat(churn.get(30, TimeUnit.SECONDS)).as("the churn ran").isPositive();
    }
}
