package dev.ferry.it;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.KillLoop;
import dev.ferry.testkit.RedisTools;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shared ending of the kill -9 tests (issue 12): let the last run catch up, stop it, compare, judge the resumes. */
final class KillRuns {
    /** The workload's short TTLs (separateExpiry: tmp: keys only) are at most 2 s: after this none is left anywhere. */
    static final Duration SHORT_TTLS = Duration.ofMillis(2_200);
    static final Duration CATCH_UP = Duration.ofSeconds(60);

    private KillRuns() {
    }

    /**
     * A fresh directory for one test's attempt files, under {@code target/kill-tests/}, kept after the run: a failing
     * kill test is understood from what each Ferry run printed.
     */
    static java.nio.file.Path outputDir(String test) {
        java.nio.file.Path d = java.nio.file.Path.of("target", "kill-tests", test).toAbsolutePath();
        try {
            if (java.nio.file.Files.exists(d)) {
                try (var files = java.nio.file.Files.walk(d)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
            return java.nio.file.Files.createDirectories(d);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a kill test ends with; {@code catchUp} and {@code difference} are null when the sides were equal. */
    record Outcome(String workload, KillLoop.Finished end, String catchUp, String difference, long failedKeys) {
    }

    /**
     * Deletes {@code n} random keys on each master of {@code side} (one DEL per key, on the master that holds it), while
     * Ferry is down: a resumed run must delete them on the target too, from the source's stream. Returns them.
     */
    static List<String> deleteSome(int kill, DatasetDiff.Side side, int n) {
        List<String> deleted = deleteSome(side, n);
        // said, so a key that outlives its deletion on the target can be traced to the downtime it was deleted in
        System.out.println("while down after kill #" + kill + ": deleted on the " + side.name() + " " + deleted);
        return deleted;
    }

    static List<String> deleteSome(DatasetDiff.Side side, int n) {
        List<String> deleted = new ArrayList<>();
        for (RedisServer m : side.nodes().get()) {
            try (RespConnection c = Datasets.connect(m)) {
                for (int i = 0; i < n; i++) {
                    Reply k = c.call("RANDOMKEY");
                    if (!(k instanceof Reply.Bulk b) || b.bytes() == null) break;
                    c.call("DEL".getBytes(), b.bytes());
                    deleted.add(b.text());
                }
            }
        }
        return deleted;
    }

    /**
     * Stops the workload, waits for the short TTLs to run out, waits (at most {@link #CATCH_UP}) for the last run to
     * make the target equal to the source, stops it with SIGTERM, and compares once more with it gone.
     */
    static Outcome finish(KillLoop loop, Workload workload, DatasetDiff.Side source, DatasetDiff.Side target) {
        return finish(loop, () -> workload.stop().toString(), source, target);
    }

    /** The same with any load: {@code stopLoad} stops it and says what it did. */
    static Outcome finish(KillLoop loop, java.util.function.Supplier<String> stopLoad, DatasetDiff.Side source,
                          DatasetDiff.Side target) {
        String stats = stopLoad.get();
        sleep(SHORT_TTLS);
        String catchUp = null;
        try {
            DatasetDiff.awaitEqual(source, target, CATCH_UP, loop::checkLastAlive);
        } catch (AssertionError e) {
            catchUp = e.getMessage();
        }
        KillLoop.Finished end = loop.finish();
        String difference = DatasetDiff.compare(source, target);
        return new Outcome(stats, end, catchUp, difference, failed(end.out()));
    }

    /** The "failed N" line of a summary, or -1 when there is none. */
    static long failed(String summary) {
        Matcher m = Pattern.compile("(?m)^ +failed +([0-9,]+)").matcher(summary);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    /**
     * Prints the figures (kill points, how each restart began, the workload) and fails with every problem at once: a
     * difference at the end, a last run that did not exit 0 after SIGTERM, and, when {@code resumesExpected}, fewer
     * than half of the restarts after the first completed snapshot resuming from the target's checkpoint.
     */
    static void judge(String name, KillLoop loop, Outcome o, boolean resumesExpected) {
        List<KillLoop.Attempt> eligible = loop.restartsAfterFirstSnapshot();
        long resumed = eligible.stream().filter(a -> a.start() == KillLoop.Start.RESUMED).count();
        System.out.println("== " + name + ": " + loop.history() + "\n  restarts after the first snapshot: " + eligible.size()
                + ", resumed " + resumed + "\n  workload: " + o.workload() + "\n  last run: exit " + o.end().exitCode()
                + ", failed " + o.failedKeys() + "\n  end: " + (o.difference() == null ? "equal" : o.difference()));
        List<String> problems = new ArrayList<>();
        if (o.difference() != null) problems.add("the target differs from the source at the end: " + o.difference());
        else if (o.catchUp() != null) problems.add("equal only after the last run was stopped: " + o.catchUp());
        if (o.end().exitCode() != 0) problems.add("the last run did not exit 0 after SIGTERM: " + o.end());
        if (!loop.restarts().isEmpty() && loop.kills(KillLoop.Phase.SNAPSHOT) == 0) {
            problems.add("no kill landed in a snapshot (the first run's kill is meant to): the dataset or the delays need tuning");
        }
        // a run that got as far as following the source has read the target's checkpoint: it must have said what it did
        List<KillLoop.Attempt> silent = loop.restartsWithCheckpoint().stream()
                .filter(a -> a.phase() == KillLoop.Phase.LIVE && a.start() == KillLoop.Start.NEITHER).toList();
        if (!silent.isEmpty()) {
            problems.add(silent.size() + " restart(s) found a checkpoint on the target and went live without a 'resuming ...' "
                    + "or 'cannot resume: ...' line: " + silent.stream().map(a -> "#" + a.index()
                    + " (its stderr, last lines:\n" + RedisTools.tail(a.err(), 15) + ")").toList());
        }
        if (resumesExpected) {
            if (eligible.isEmpty()) problems.add("no restart came after a completed snapshot: the kills were all too early");
            else if (resumed * 2 < eligible.size()) {
                problems.add("only " + resumed + " of " + eligible.size() + " restarts after the first snapshot resumed from the "
                        + "target's checkpoint (want at least half)");
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(name + ": " + String.join("\n", problems) + "\n" + loop.history());
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
