package dev.ferry.cli;

import dev.ferry.pipeline.RateLimiter;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.pipeline.RunStats;
import dev.ferry.resp.RedisUri;
import dev.ferry.source.ShardSummary;
import dev.ferry.source.scan.ScanLiveSource;
import dev.ferry.source.scan.ScanSettings;
import dev.ferry.source.scan.ScanSource;
import dev.ferry.util.ByteSize;
import dev.ferry.util.UsageException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replicate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Copy a live source into a target and (--mode live, the default) keep following its writes until "
                + "interrupted (Ctrl-C / SIGTERM): then it applies what it read, prints the last applied offsets and exits 0 "
                + "(4 when stopped before the snapshot was complete: the target then holds a partial copy).")
final class ReplicateCommand implements Callable<Integer> {
    /** Where to read and where to write. */
    static final class Ends extends CommonOptions.Target {
        @Option(names = "--source", order = 1, required = true, paramLabel = "URI",
                description = "redis://[user:pass@]host:port, rediss://..., redis-cluster://h:p[,h:p], redis-sentinel://h:p[,h:p]/master, dragonfly://host:port")
        String source;

        @Option(names = "--scan", order = 3, description = "For sources that refuse PSYNC (managed services): SCAN + DUMP, then keyspace notifications for changes. Weaker than the replica protocol: notifications are not guaranteed.")
        boolean scan;

        @Option(names = "--rate-limit", order = 4, paramLabel = "RATE", description = "Snapshot speed limit per source shard (with --scan, also for keys re-read while live): keys/s (50000, 50k) or bytes/s (20mb, 512kb) of values as serialised (RDB encoding, compressed where the source compresses).")
        String rateLimit;

        @Option(names = "--source-reconnect-timeout", order = 5, defaultValue = "300", paramLabel = "SECONDS",
                description = "How long a lost source (a master, a Dragonfly master, a scan's connection or keyspace subscription) may stay out of reach before the run stops with exit 1; what reached the target up to its confirmed position stays (default: ${DEFAULT-VALUE}).")
        int sourceReconnectTimeout;
    }

    /** The writing options of every copy, and what Ferry may clear on the target. */
    static final class Writing extends WriteOptions {
        @Option(names = "--target-owned", description = "The target dbs Ferry writes into hold only this source's data: "
                + "Ferry may clear them when the source sends a new full sync or runs FLUSHALL/FLUSHDB. Without it Ferry "
                + "owns only the target dbs that were empty when the run started, and stops rather than delete elsewhere.")
        boolean targetOwned;
    }

    /** --mode: copy once, or copy and then follow. */
    enum Mode {
        SNAPSHOT, LIVE;

        @Override public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Following the source's writes, and holding them while the target is behind. */
    static final class Live {
        @Option(names = "--mode", defaultValue = "live", paramLabel = "MODE",
                description = "snapshot: copy once and exit; live: then follow every write until stopped. One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        Mode mode;

        @Option(names = "--run-for", paramLabel = "SECONDS", description = "Live mode: stop by itself after this long, as on Ctrl-C.")
        Integer runFor;

        @Option(names = "--set-notify-config", description = "With --scan in live mode: add what notify-keyspace-events lacks (K and A) with CONFIG SET instead of stopping.")
        boolean setNotifyConfig;

        @Option(names = "--ignore-flush", description = "Do not apply FLUSHALL/FLUSHDB run on the source (each one is reported).")
        boolean ignoreFlush;

        @Option(names = "--spool-memory", defaultValue = "256", paramLabel = "MB", description = "Source bytes held in memory per shard while the target is behind (default: ${DEFAULT-VALUE}).")
        long spoolMemoryMb;

        @Option(names = "--spool-limit", defaultValue = "8192", paramLabel = "MB", description = "Then spilled to disk up to this much per shard, so the source never drops Ferry for a full output buffer (default: ${DEFAULT-VALUE}).")
        long spoolDiskMb;

        @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where spilled bytes go (default: the system temp dir).")
        Path spoolDir;

        @Option(names = "--backlog", paramLabel = "SIZE", description = "Raise each source master's repl-backlog-size to SIZE (256mb, 1gb) with CONFIG SET before following it, so Ferry may be down longer and still resume without a full sync (never lowers it; a refusal is a warning).")
        String backlog;
    }

    /** The key report and progress, and a verification once a snapshot copy is done. */
    static final class Output extends CommonOptions.Output {
        @Option(names = "--verify", description = "With --mode snapshot: compare source and target once the copy is done (as `ferry verify`); exit 3 if they differ.")
        boolean verify;

        @Option(names = "--verify-report", paramLabel = "FILE", description = "With --verify: write the keys that differ to FILE, one JSON object per line.")
        Path verifyReport;
    }

    @ArgGroup(validate = false, heading = "%nSource and target:%n", order = 1)
    Ends ends = new Ends();

    @ArgGroup(validate = false, heading = "%nWhat to copy:%n", order = 2)
    FilterOptions filters = new FilterOptions();

    @ArgGroup(validate = false, heading = "%nHow to write:%n", order = 3)
    Writing write = new Writing();

    @ArgGroup(validate = false, heading = "%nLive mode and spool:%n", order = 4)
    Live live = new Live();

    @ArgGroup(validate = false, heading = "%nCheckpoints and resume:%n", order = 5)
    CheckpointOptions checkpoints = new CheckpointOptions();

    @ArgGroup(validate = false, heading = "%nReports and output:%n", order = 6)
    Output output = new Output();

    @ArgGroup(validate = false, heading = "%nStatus endpoint:%n", order = 7)
    StatusOptions status = new StatusOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RedisUri src = RedisUri.parse(ends.source);
        RedisUri dst = RedisUri.parse(ends.target);
        boolean following = live.mode == Mode.LIVE;
        if (src.kind() == RedisUri.Kind.DRAGONFLY) {
            SourceCheck.requireDragonfly(src);
        }
        if (output.verify && following) throw new UsageException("--verify needs --mode snapshot (a live copy never stops changing; run ferry verify against it)");
        if (live.spoolMemoryMb < 1 || live.spoolDiskMb < 0) throw new UsageException("--spool-memory must be >= 1 and --spool-limit >= 0");
        if (live.runFor != null && live.runFor < 0) throw new UsageException("--run-for must be >= 0");
        if (ends.sourceReconnectTimeout < 1) throw new UsageException("--source-reconnect-timeout must be at least 1 (seconds)");
        if (live.runFor != null && !following) {
            throw new UsageException("--run-for applies to --mode live only: a snapshot copy ends by itself once the target confirmed it");
        }
        if (live.backlog != null && (!following || ends.scan)) {
            throw new UsageException("--backlog applies to --mode live with the replica protocol (not --scan): it sizes what a master keeps for a replica to resume from");
        }
        long backlog = live.backlog == null ? 0 : ByteSize.parse(live.backlog, "--backlog");
        Path dir = live.spoolDir != null ? live.spoolDir : Path.of(System.getProperty("java.io.tmpdir"));
        ReplicateJob job = new ReplicateJob(new ReplicateJob.Settings(src, dst, following,
                checkpoints.withoutCheckpoints(filters.toFilter().intoTargetDb(dst.db())),
                write.toWriterOptions(), write.bigValue, output.report, RateLimiter.parse(ends.rateLimit), live.ignoreFlush,
                live.spoolMemoryMb << 20, live.spoolDiskMb << 20, dir, write.targetOwned, ends.sourceReconnectTimeout * 1000L));
        ReplicateJob.CheckpointSettings checkpointing = checkpoints.settings();
        if (checkpointing != null && ends.scan && !following) checkpointing = null; // a one-off scan copy has nothing to resume
        job.checkpoints(checkpointing);
        // before --run-for starts counting: the window takes about a second to sample; printed after the job's
        // first lines (whether it resumes), as those are what a restarted run must say first
        if (following && !ends.scan) job.laterNotices(ResumeWindowCheck.lines(src, backlog));
        StopSignals.onInterrupt(job::requestStop, () -> confirmedSoFar(job));
        Integer runFor = live.runFor;
        if (runFor != null) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(runFor * 1000L);
                    job.requestStop();
                } catch (InterruptedException ignored) {
                    // the job ended first
                }
            }, "run-for");
            t.setDaemon(true);
            t.start();
        }
        ReplicateJob.SourceFactory sourceFactory = ends.scan
                ? ReplicateJob.SourceFactory.copyingAgain("scan", "a scan source keeps no record of the changes made while "
                        + "Ferry was down", sinks -> new ScanLiveSource(new ScanSource(src, sinks,
                        ScanSettings.defaults().withLive(following).withSetNotifyConfig(live.setNotifyConfig)
                                .withBatchSize(Math.max(1, Math.min(write.batch, 1000)))
                                .withOutageLimitMillis(ends.sourceReconnectTimeout * 1000L))))
                : job.replicaSource();
        ReplicateJob.Result result;
        // resuming, cannot resume, --fresh: the first lines of a restarted run, whatever --quiet says
        PrintWriter noticesTo = spec.commandLine().getErr();
        try (dev.ferry.status.StatusServer served = status.start(RunViews.replicate(job), noticesTo)) {
            result = run(job, sourceFactory, noticesTo);
        }
        return finish(job, result, src, dst, following);
    }

    private ReplicateJob.Result run(ReplicateJob job, ReplicateJob.SourceFactory sourceFactory, PrintWriter noticesTo)
            throws java.io.IOException {
        ReplicateJob.Result result;
        job.notices(line -> {
            noticesTo.println(line);
            noticesTo.flush();
        });
        if (output.noProgress()) {
            result = job.run(sourceFactory);
        } else {
            try (ReplicateProgress p = new ReplicateProgress(System.err, Progress.isTerminal(), job)) {
                StopSignals.printVia(p::message);
                // on a terminal above the bar; elsewhere as plain lines of the command's error stream
                if (Progress.isTerminal()) job.notices(p::message);
                result = job.run(sourceFactory);
            } finally {
                StopSignals.printVia(null);
            }
        }
        return result;
    }

    private int finish(ReplicateJob job, ReplicateJob.Result result, RedisUri src, RedisUri dst, boolean following) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (result.cutOver() != null) {
            out.println("Cut over at " + result.cutOver().when() + " (ferry cutover " + result.cutOver().id()
                    + "): the applications use " + result.cutOver().target() + " now; every write the source "
                    + "confirmed before the switch is on the target, and this replicate stops here");
        }
        printSummary(out, result, src, dst, following);
        out.flush();
        long failed = result.stats().failedCount();
        if (failed > 0) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "ferry: error: %,d key%s or command%s not applied as the source holds them; the summary says why%n",
                    failed, failed == 1 ? "" : "s", failed == 1 ? "" : "s");
            err.flush();
            return ExitCode.FAILED;
        }
        if (!result.snapshotComplete()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("ferry: stopped before the snapshot was complete: run the copy again to complete it (a new run "
                    + "copies the whole snapshot again)");
            err.flush();
            return ExitCode.INCOMPLETE;
        }
        if (output.verify) {
            return VerifyCommand.afterCopy(src, dst, job.settings().filter(), output.verifyReport, output.noProgress(), out, spec.commandLine().getErr());
        }
        return ExitCode.OK;
    }

    /** For the line a second Ctrl-C prints before quitting at once. */
    private static String confirmedSoFar(ReplicateJob job) {
        if (!job.snapshotDone()) {
            return String.format(Locale.ROOT, "%,d keys written; the snapshot is not complete (no replication offset "
                    + "confirmed): the target holds a partial copy", job.keysWritten());
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%,d keys written, %,d commands applied",
                job.keysWritten(), job.commandsApplied()));
        List<dev.ferry.source.ShardProgress> shards = job.shards();
        for (int i = 0; i < shards.size(); i++) {
            dev.ferry.source.ShardProgress p = shards.get(i);
            dev.ferry.record.Position confirmed = job.confirmed(i);
            sb.append("; ").append(p.name()).append(": ").append(confirmed == null ? "nothing confirmed" : confirmed.describe());
        }
        return sb.toString();
    }

    private static void printSummary(PrintWriter out, ReplicateJob.Result r, RedisUri src, RedisUri dst, boolean live) {
        RunStats s = r.stats();
        if (!r.snapshotComplete()) {
            out.printf(Locale.ROOT, "Stopped after %,d of %s keys: the target holds a partial copy%n", r.keysWritten(),
                    r.sourceKeys() < 0 ? "an unknown number of" : String.format(Locale.ROOT, "~%,d", r.sourceKeys()));
        }
        out.printf(Locale.ROOT, "%s %s into %s (%s), %s%n", r.snapshotComplete() ? "Replicated" : "Partly replicated",
                src.redacted(), dst.redacted(), r.target(), live ? "snapshot then live" : "snapshot");
        out.printf(Locale.ROOT, "  keys read         %,d%n", s.keysRead.sum());
        out.printf(Locale.ROOT, "  keys written      %,d%n", r.keysWritten());
        if (live) out.printf(Locale.ROOT, "  commands applied  %,d%n", r.commandsApplied());
        out.printf(Locale.ROOT, "  skipped           %,d%n", s.skippedCount());
        SummaryLines.reasons(out, s.skippedByReason());
        out.printf(Locale.ROOT, "  failed            %,d%n", s.failedCount());
        SummaryLines.reasons(out, s.failedByReason());
        if (!s.warnedByReason().isEmpty()) {
            out.println("  applied with warnings:");
            SummaryLines.reasons(out, s.warnedByReason());
        }
        if (s.filtered.sum() > 0) out.printf(Locale.ROOT, "  filtered out      %,d%n", s.filtered.sum());
        if (r.nonAtomicTransactions() > 0) {
            out.printf(Locale.ROOT, "  MULTI/EXEC blocks over several slots (cluster) or dbs (Dragonfly) applied without atomicity: %,d%n",
                    r.nonAtomicTransactions());
        }
        if (r.reconnects() > 0) out.printf(Locale.ROOT, "  target reconnects %,d%n", r.reconnects());
        if (r.snapshotComplete()) {
            for (ShardSummary shard : r.source().shards()) out.println("  " + SummaryLines.shard(shard));
            for (String note : r.source().notes()) out.println("  " + note);
        } else {
            out.println("  confirmed         no replication offset: a snapshot counts only once complete");
        }
        out.printf(Locale.ROOT, "  time              %.2f s%n", s.seconds());
        if (r.caveat() != null) out.println("  note: " + r.caveat());
    }
}
