package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.Preload;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Workload;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12: the target drops Ferry's connections ({@code CLIENT KILL}) again and again while a live replicate
 * applies non-idempotent commands (INCR, APPEND, pushes and pops, LMOVE, HINCRBY, ZINCRBY, SPOP's effects, XADD *,
 * MULTI blocks, scripts): a command whose answer was lost cannot simply be sent again, and must not be given up
 * either. No key may be reported failed, and the target must end equal to the source value by value.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TargetCutIT {
    static final int CUTS = 8;

    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("cut-source")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("cut-target")).flushBeforeEach();

    @Test
    void clientKillOnTheTargetUnderNonIdempotentWritesFailsNoKeyAndEndsEqual() {
        Preload.on(source.get()).seed(6).keys(20_000).bigKeys(4, 2_000).run();
        DatasetDiff.Side sourceSide = DatasetDiff.Side.of("source", source.get());
        DatasetDiff.Side targetSide = DatasetDiff.Side.of("target", target.get());
        Workload w = Workload.on(source.get()).seed(26).separateExpiry().rate(4_000).start();
        String catchUp = null;
        ReplicateJob.Result r;
        long killed = 0;
        Workload.Stats stats;
        try (LiveRun run = LiveRun.start(source.get().uri(), target.get().uri());
             RespConnection admin = Datasets.connect(target.get())) {
            run.awaitSnapshot();
            for (int i = 0; i < CUTS; i++) {
                KillRuns.sleep(Duration.ofMillis(400));
                // every client but this one: Ferry's pipelined connections, with commands in flight on them
                killed += admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").asLong();
            }
            KillRuns.sleep(Duration.ofMillis(500));
            stats = w.stop();
            KillRuns.sleep(KillRuns.SHORT_TTLS);
            try {
                DatasetDiff.awaitEqual(sourceSide, targetSide, KillRuns.CATCH_UP, () -> { });
            } catch (AssertionError e) {
                catchUp = e.getMessage();
            }
            r = run.stop();
        } finally {
            KillResumeIT.stopQuietly(w);
        }
        String difference = DatasetDiff.compare(sourceSide, targetSide);
        System.out.println("== target cut: " + CUTS + " CLIENT KILLs closed " + killed + " connection(s); Ferry reconnected "
                + r.reconnects() + " time(s); workload: " + stats + "; failed " + r.stats().failedCount() + " "
                + r.stats().failedByReason().keySet() + "; end: " + (difference == null ? "equal" : difference));
        assertThat(killed).as("connections the CLIENT KILLs closed").isPositive();
        assertThat(r.stats().failedCount()).as("keys reported failed: %s", describe(r)).isZero();
        assertThat(difference).as("equal at the end (catching up: %s)", catchUp).isNull();
    }

    private static String describe(ReplicateJob.Result r) {
        StringBuilder sb = new StringBuilder();
        r.stats().failedByReason().forEach((reason, n) -> sb.append("\n  ").append(n.count).append(" x ").append(reason)
                .append(' ').append(n.examples));
        return sb.toString();
    }
}
