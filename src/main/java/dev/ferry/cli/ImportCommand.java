package dev.ferry.cli;

import dev.ferry.pipeline.ImportJob;
import dev.ferry.pipeline.RunStats;
import dev.ferry.resp.RedisUri;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Import an RDB file (versions 1-12) into a Redis, Redis Cluster, Sentinel-managed or Dragonfly target.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The RDB file.")
    Path file;

    /** The target, and how the file is read. */
    static final class Ends extends CommonOptions.Target {
        @Option(names = "--check-first", order = 3, description = "Read the whole file once first, checking its CRC-64 checksum and every value's structure, and write nothing if it is damaged (the checksum can otherwise only be checked at the end, after the keys were written).")
        boolean checkFirst;
    }

    @ArgGroup(validate = false, heading = "%nSource and target:%n", order = 1)
    Ends ends = new Ends();

    @ArgGroup(validate = false, heading = "%nWhat to copy:%n", order = 2)
    FilterOptions filters = new FilterOptions();

    @ArgGroup(validate = false, heading = "%nHow to write:%n", order = 3)
    WriteOptions write = new WriteOptions();

    @ArgGroup(validate = false, heading = "%nCheckpoints and resume:%n", order = 4)
    CheckpointOptions checkpoints = new CheckpointOptions();

    @ArgGroup(validate = false, heading = "%nReports and output:%n", order = 5)
    CommonOptions.Output output = new CommonOptions.Output();

    @ArgGroup(validate = false, heading = "%nStatus endpoint:%n", order = 6)
    StatusOptions status = new StatusOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RedisUri uri = RedisUri.parse(ends.target);
        ImportJob job = new ImportJob(new ImportJob.Settings(file, uri,
                checkpoints.withoutCheckpoints(filters.toFilter().intoTargetDb(uri.db())),
                write.toWriterOptions(), write.bigValue, output.report));
        job.checkpoints(checkpoints.settings());
        // resuming, cannot resume, --fresh: the first lines of a restarted run, whatever --quiet says
        PrintWriter noticesTo = spec.commandLine().getErr();
        job.notices(line -> {
            noticesTo.println(line);
            noticesTo.flush();
        });
        StopSignals.onInterrupt(job::requestStop, () -> job.confirmedOffset() < 0 ? "nothing (0 keys written)"
                : String.format(Locale.ROOT, "%,d keys written, file offset %,d of %s: the target holds a partial copy",
                        job.keysWritten(), job.confirmedOffset(), file.getFileName()));
        ImportJob.Result result;
        String note = null;
        try (dev.ferry.status.StatusServer served = status.start(RunViews.importing(job, file, uri.redacted()), noticesTo)) {
            if (output.noProgress()) {
                if (ends.checkFirst) note = job.checkFile();
                result = job.run();
            } else {
                try (Progress p = new Progress(System.err, Progress.isTerminal(), job::bytesRead, job.fileSize(), job::keysWritten)) {
                    StopSignals.printVia(p::message);
                    // on a terminal above the bar; elsewhere as plain lines of the command's error stream
                    if (Progress.isTerminal()) job.notices(p::message);
                    if (ends.checkFirst) note = job.checkFile();
                    result = job.run();
                } finally {
                    StopSignals.printVia(null);
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (note != null) {
            err.println("ferry: note: " + note);
            err.flush();
        }
        printSummary(out, result, uri);
        out.flush();
        if (result.ending() == ImportJob.Ending.CORRUPT || result.ending() == ImportJob.Ending.CHECKSUM_MISMATCH
                || result.ending() == ImportJob.Ending.TARGET_FAILED) {
            err.println("ferry: error: " + result.problem());
            err.flush();
            return ExitCode.FAILED;
        }
        long failed = result.stats().failedCount();
        if (failed > 0) {
            err.printf(Locale.ROOT, "ferry: error: %,d key%s not written as the source holds %s; the summary says why%n", failed,
                    failed == 1 ? " was" : "s were", failed == 1 ? "it" : "them");
            err.flush();
            return ExitCode.FAILED;
        }
        if (result.ending() == ImportJob.Ending.STOPPED) {
            err.println("ferry: stopped before the end of " + file.getFileName() + ": run the import again to complete "
                    + (job.checkpointed() ? "the copy (it continues from the offset the target confirmed)"
                            : "the copy (it reads the file from the start and overwrites what this run wrote)"));
            err.flush();
            return ExitCode.INCOMPLETE;
        }
        return ExitCode.OK;
    }

    private void printSummary(PrintWriter out, ImportJob.Result r, RedisUri uri) {
        RunStats s = r.stats();
        double secs = s.seconds();
        String partial = partialLine(r);
        if (partial != null) out.println(partial);
        out.printf(Locale.ROOT, "%s %s (RDB version %d, %s) into %s (%s)%n", partial == null ? "Imported" : "Partly imported",
                file, r.rdbVersion(), Progress.bytes(r.bytesRead()), uri.redacted(), r.target());
        String resumed = SummaryLines.resumedAt(r.resumedAt());
        if (resumed != null) out.println(resumed);
        out.printf(Locale.ROOT, "  keys read     %,d%n", s.keysRead.sum());
        out.printf(Locale.ROOT, "  keys written  %,d%n", r.keysWritten());
        out.printf(Locale.ROOT, "  skipped       %,d%n", s.skippedCount());
        SummaryLines.reasons(out, s.skippedByReason());
        out.printf(Locale.ROOT, "  failed        %,d%n", s.failedCount());
        SummaryLines.reasons(out, s.failedByReason());
        if (!s.warnedByReason().isEmpty()) {
            out.println("  written with warnings:");
            SummaryLines.reasons(out, s.warnedByReason());
        }
        if (s.filtered.sum() > 0) out.printf(Locale.ROOT, "  filtered out  %,d%n", s.filtered.sum());
        if (r.functionsLoaded() > 0) out.printf(Locale.ROOT, "  functions     %d librar%s loaded%n", r.functionsLoaded(), r.functionsLoaded() == 1 ? "y" : "ies");
        out.printf(Locale.ROOT, "  sent          %s%n", Progress.bytes(r.bytesSent()));
        if (r.reconnects() > 0) out.printf(Locale.ROOT, "  reconnected   %,d time%s after lost connections%n", r.reconnects(), r.reconnects() == 1 ? "" : "s");
        out.printf(Locale.ROOT, "  time          %.2f s (%,.0f keys/s)%n", secs, r.keysWritten() / Math.max(secs, 1e-3));
        if (r.committedPosition() >= 0) out.printf(Locale.ROOT, "  confirmed to  file offset %,d%n", r.committedPosition());
        else out.println("  confirmed to  nothing (no write was confirmed)");
    }

    /** The summary's first line when the file was not imported whole: what the target holds and what to do. */
    private String partialLine(ImportJob.Result r) {
        String name = file.getFileName().toString();
        String done = String.format(Locale.ROOT, "%s of %s (%,d keys written)", percentRead(r), name, r.keysWritten());
        switch (r.ending()) {
            case STOPPED:
                return "Stopped after " + done + ": the target holds a partial copy";
            case CHECKSUM_MISMATCH:
                return String.format(Locale.ROOT, "Damaged file: %s was read to its end but its checksum does not match, "
                        + "so some of the %,d keys written may hold damaged values: the target holds a damaged import; "
                        + "import a good copy again without --no-replace (--check-first refuses such a file before "
                        + "writing anything)", name, r.keysWritten());
            case CORRUPT:
                return "Stopped at damage after " + done + ": the target holds a partial import; fix or replace the file "
                        + "and import it again without --no-replace (which would keep what this run wrote as it is), "
                        + "or with --check-first to check it before writing anything";
            case TARGET_FAILED:
                return "Stopped after " + done + ": the target cannot go on (the error below says why) and holds a "
                        + "partial copy";
            default:
                return null;
        }
    }

    private String percentRead(ImportJob.Result r) {
        long size = Math.max(r.bytesRead(), 1);
        try {
            size = Math.max(size, java.nio.file.Files.size(file));
        } catch (java.io.IOException ignored) {
            // the file went away: the bytes read are all we know
        }
        double pct = 100.0 * r.bytesRead() / size;
        return pct >= 10 ? String.format(Locale.ROOT, "%.0f%%", Math.floor(pct))
                : String.format(Locale.ROOT, "%.1f%%", Math.floor(pct * 10) / 10);
    }
}
