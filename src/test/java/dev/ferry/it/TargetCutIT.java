package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.KillLoop;
import dev.ferry.testkit.Preload;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12: the target drops Ferry's connections ({@code CLIENT KILL}) again and again while a live replicate
 * applies non-idempotent commands (INCR, APPEND, pushes and pops, LMOVE, HINCRBY, ZINCRBY, SPOP's effects, XADD *,
 * MULTI blocks, scripts): a command whose answer was lost cannot simply be sent again, and must not be given up
 * either. No key may be reported failed, and the target must end equal to the source value by value. Ferry runs as
 * the operator runs it (the packaged jar, default options), so checkpoints are on.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TargetCutIT {
    static final int CUTS = 8;

    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("cut-source")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("cut-target")).flushBeforeEach();

    /** Each run's stdout and stderr, kept under target/kill-tests/ (see KillRuns.outputDir). */
    Path dir;

    @org.junit.jupiter.api.BeforeEach
    void outputDir(org.junit.jupiter.api.TestInfo info) {
        dir = KillRuns.outputDir(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    }

    @Test
    void clientKillOnTheTargetUnderNonIdempotentWritesFailsNoKeyAndEndsEqual() throws Exception {
        Preload.on(source.get()).seed(6).keys(20_000).bigKeys(4, 2_000).run();
        DatasetDiff.Side sourceSide = DatasetDiff.Side.of("source", source.get());
        DatasetDiff.Side targetSide = DatasetDiff.Side.of("target", target.get());
        Path report = dir.resolve("report.jsonl");
        Workload w = Workload.on(source.get()).seed(26).separateExpiry().rate(4_000).start();
        KillLoop run = KillLoop.ferry(dir, "replicate", "--source", source.get().uri(), "--target", target.get().uri(),
                "--report", report.toString()).kills(0);
        long killed = 0;
        KillRuns.Outcome o;
        try (RespConnection admin = Datasets.connect(target.get())) {
            run.run();
            run.awaitLive(Duration.ofSeconds(60));
            for (int i = 0; i < CUTS; i++) {
                KillRuns.sleep(Duration.ofMillis(400));
                // every client but this one: Ferry's pipelined connections, with commands in flight on them
                killed += admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").asLong();
            }
            KillRuns.sleep(Duration.ofMillis(500));
            o = KillRuns.finish(run, w, sourceSide, targetSide);
        } finally {
            run.killLast();
            KillResumeIT.stopQuietly(w);
        }
        List<String> failed = Files.exists(report)
                ? Files.readAllLines(report).stream().filter(l -> l.contains("\"failed\"")).toList() : List.of();
        System.out.println("== target cut: " + CUTS + " CLIENT KILLs closed " + killed + " connection(s); workload: "
                + o.workload() + "; last run: exit " + o.end().exitCode() + ", failed " + o.failedKeys() + " "
                + failed.subList(0, Math.min(5, failed.size())) + "; end: " + (o.difference() == null ? "equal" : o.difference()));
        assertThat(killed).as("connections the CLIENT KILLs closed").isPositive();
        assertThat(o.end().exitCode()).as(o.end().toString()).isZero();
        assertThat(o.failedKeys()).as("keys reported failed: %s\n%s", failed, o.end()).isZero();
        assertThat(o.difference()).as("equal at the end (catching up: %s)", o.catchUp()).isNull();
    }
}
