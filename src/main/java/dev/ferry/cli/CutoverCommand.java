package dev.ferry.cli;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.cutover.Cutover;
import dev.ferry.resp.RedisUri;
import dev.ferry.util.Millis;
import dev.ferry.util.UsageException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cutover", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Move the applications from the source to the target a running `ferry replicate` keeps in step: "
                + "check its lag, pause the source's writes, wait until the target holds every write the source "
                + "acknowledged, verify, re-point Sentinel (and/or run --exec), stop the replicate, make the old master "
                + "refuse writes, unpause. Anything failing before the switch undoes it all and exits 1.")
final class CutoverCommand implements Callable<Integer> {
    static final class Ends extends CommonOptions.Target {
        @Option(names = "--source", order = 1, required = true, paramLabel = "URI",
                description = "The source the replicate follows (redis-sentinel://... to re-point Sentinel). " + CommonOptions.URIS)
        String source;
    }

    static final class Steps {
        @Option(names = "--max-lag", defaultValue = "1s", paramLabel = "TIME",
                description = "Go on only when the replicate is at most this far behind (default: ${DEFAULT-VALUE}).")
        String maxLag;

        @Option(names = "--wait", defaultValue = "30s", paramLabel = "TIME",
                description = "How long to wait for the lag to come under --max-lag before giving up (default: ${DEFAULT-VALUE}).")
        String waitFor;

        @Option(names = "--max-pause", defaultValue = "5s", paramLabel = "TIME",
                description = "The longest the source's writes stay paused; the source ends the pause by itself then, even "
                        + "if Ferry dies (default: ${DEFAULT-VALUE}).")
        String maxPause;

        @Option(names = "--verify", defaultValue = "recent", paramLabel = "HOW",
                description = "While paused, compare: none, recent (the keys written since the cutover began, and a "
                        + "sample), full (every key; needs a --max-pause long enough) (default: ${DEFAULT-VALUE}).")
        Cutover.VerifyMode verify;

        @Option(names = "--sample", defaultValue = "1000", paramLabel = "N",
                description = "With --verify recent: also compare this many keys of each side, 0 for none (default: ${DEFAULT-VALUE}).")
        long sample;

        @Option(names = "--exec", paramLabel = "CMD",
                description = "A command (sh -c) that moves the applications (DNS, a config service, a load balancer), "
                        + "run while the writes are paused, with FERRY_TARGET_HOST, FERRY_TARGET_PORT and FERRY_TARGET_URI "
                        + "(no password) set; exit 0 goes on, anything else undoes the cutover.")
        String exec;

        @Option(names = "--dry-run", description = "Check the lag, report the drain a cutover would wait for, verify; "
                + "pause and switch nothing.")
        boolean dryRun;

        @Option(names = "--checkpoint-prefix", defaultValue = CheckpointKeys.DEFAULT_PREFIX, paramLabel = "PREFIX",
                description = "The replicate's --checkpoint-prefix (default: ${DEFAULT-VALUE}).")
        String checkpointPrefix;

        @Option(names = "--reverse", description = "After the switch, keep the old master writable and replicate the "
                + "target back into it (as `ferry replicate`, until stopped), so a second cutover can move the "
                + "applications back.")
        boolean reverse;
    }

    @ArgGroup(validate = false, heading = "%nSource and target:%n", order = 1)
    Ends ends = new Ends();

    @ArgGroup(validate = false, heading = "%nThe cutover:%n", order = 2)
    Steps steps = new Steps();

    @ArgGroup(validate = false, heading = "%nThe replicate's filters (for verify):%n", order = 3)
    FilterOptions filters = new FilterOptions();

    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 4)
    CommonOptions.Logging logging = new CommonOptions.Logging();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
        RedisUri src = RedisUri.parse(ends.source);
        RedisUri dst = RedisUri.parse(ends.target);
        long maxLag = Millis.parse(steps.maxLag, "--max-lag");
        long waitMs = Millis.parse(steps.waitFor, "--wait");
        long maxPause = Millis.parse(steps.maxPause, "--max-pause");
        if (maxPause < 1000) throw new UsageException("--max-pause must be at least 1s: the drain, the verify and the switch happen inside it");
        if (steps.sample < 0) throw new UsageException("--sample must be >= 0");
        PrintWriter out = spec.commandLine().getOut();
        Cutover.Settings settings = new Cutover.Settings(src, dst, filters.toFilter(), maxLag, waitMs, maxPause,
                steps.verify, steps.sample, steps.exec, steps.dryRun, steps.checkpointPrefix, steps.reverse);
        if (steps.reverse && steps.dryRun) throw new UsageException("--reverse applies to a real cutover, not --dry-run");
        Cutover.Result r = new Cutover(settings, line -> {
            out.println(line);
            out.flush();
        }).run();
        if (steps.dryRun) {
            out.println(r.ok() ? "Dry run: a cutover could go ahead now (nothing was paused or switched)"
                    : "Dry run: a cutover would fail now: " + r.problem() + " (nothing was paused or switched)");
            for (String n : r.notes()) out.println("  " + n);
            out.flush();
            return r.ok() ? ExitCode.OK : ExitCode.FAILED;
        }
        if (!r.switched()) {
            out.println("Not cut over: " + r.problem() + ". The source" + (src.kind() == RedisUri.Kind.SENTINEL ? ", the Sentinels" : "")
                    + " and the replicate are as they were" + (r.pauseMs() >= 0 ? String.format(Locale.ROOT,
                    " (writes were paused %d ms)", r.pauseMs()) : ""));
            for (String n : r.notes()) out.println("  " + n);
            out.flush();
            return ExitCode.FAILED;
        }
        out.println((r.ok() ? "Cut over to " : "Cut over, with problems, to ") + dst.redacted() + String.format(Locale.ROOT,
                ": writes paused %d ms", r.pauseMs()) + (r.ok() ? "" : "; " + r.problem()));
        for (String p : r.finalPositions()) out.println("  final position " + p);
        for (String n : r.notes()) out.println("  " + n);
        out.flush();
        if (!r.ok()) return ExitCode.FAILED;
        if (steps.reverse) return reverse(src, dst, r, out);
        return ExitCode.OK;
    }

    /**
     * The way back: the target (now the applications' master) replicated into the old source, with checkpoints, until
     * stopped; the old source's dbs are owned (they hold what the target held at the switch, verified).
     */
    private int reverse(RedisUri src, RedisUri dst, Cutover.Result r, PrintWriter out) throws java.io.IOException {
        RedisUri back = src;
        if (src.kind() == RedisUri.Kind.SENTINEL) {
            RedisUri.HostPort old = r.oldMasters().get(0);
            back = new RedisUri(RedisUri.Kind.REDIS, java.util.List.of(old), src.user(), src.password(), src.db(), src.tls(),
                    src.tlsInsecure(), src.caCertFile(), null, null, src.timeoutMs(), (src.tls() ? "rediss://" : "redis://") + old);
        }
        out.println("Reverse: replicating " + dst.redacted() + " back into the old source " + back.redacted()
                + " until stopped (Ctrl-C; `ferry replicate --source " + dst.redacted() + " --target " + back.redacted()
                + " --target-owned` continues it). To move the applications back: ferry cutover --source "
                + (src.kind() == RedisUri.Kind.SENTINEL ? src.redacted() : dst.redacted()) + " --target " + back.redacted());
        out.flush();
        dev.ferry.pipeline.ReplicateJob job = new dev.ferry.pipeline.ReplicateJob(new dev.ferry.pipeline.ReplicateJob.Settings(
                dst, back, true, filters.toFilter().intoTargetDb(back.db()).excluding(steps.checkpointPrefix + "*"),
                dev.ferry.writer.WriterOptions.defaults(), 8L << 20, null, dev.ferry.pipeline.RateLimiter.NONE, false,
                256L << 20, 8192L << 20, java.nio.file.Path.of(System.getProperty("java.io.tmpdir")), true,
                dev.ferry.source.SourceOutage.DEFAULT_MILLIS));
        job.checkpoints(new dev.ferry.pipeline.ReplicateJob.CheckpointSettings(steps.checkpointPrefix, false));
        job.notices(line -> {
            out.println(line);
            out.flush();
        });
        StopSignals.onInterrupt(job::requestStop, () -> String.format(Locale.ROOT, "%,d keys written, %,d commands applied",
                job.keysWritten(), job.commandsApplied()));
        dev.ferry.pipeline.ReplicateJob.Result rr = job.run(job.replicaSource());
        if (rr.cutOver() != null) {
            out.println("Reverse replicate: cut over back at " + rr.cutOver().when() + " (ferry cutover " + rr.cutOver().id() + ")");
        } else {
            out.printf(Locale.ROOT, "Reverse replicate stopped: %,d keys written, %,d commands applied into %s%n",
                    rr.keysWritten(), rr.commandsApplied(), back.redacted());
        }
        out.flush();
        if (rr.stats().failedCount() > 0) return ExitCode.FAILED;
        return rr.snapshotComplete() ? ExitCode.OK : ExitCode.INCOMPLETE;
    }
}
