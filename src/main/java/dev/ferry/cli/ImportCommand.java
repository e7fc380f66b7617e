package dev.ferry.cli;

import dev.ferry.pipeline.ImportJob;
import dev.ferry.pipeline.RunStats;
import dev.ferry.resp.RedisUri;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import an RDB file (versions 1-12) into a Redis, Redis Cluster, Sentinel-managed or Dragonfly target.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The RDB file.")
    Path file;

    @Option(names = "--target", required = true, paramLabel = "URI",
            description = "redis://[user:pass@]host:port[/db], rediss://..., redis-cluster://h:p[,h:p], redis-sentinel://h:p[,h:p]/master, dragonfly://host:port")
    String target;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    @Option(names = "--report", paramLabel = "FILE", description = "Write every key not written exactly as the source holds it (skipped, failed, warned) to FILE, one JSON object per line.")
    Path report;

    @Mixin
    FilterOptions filters;

    @Mixin
    WriteOptions write;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RedisUri uri = RedisUri.parse(target);
        ImportJob job = new ImportJob(new ImportJob.Settings(file, uri, filters.toFilter().intoTargetDb(uri.db()),
                write.toWriterOptions(), write.bigValue, report));
        ImportJob.Result result;
        if (quiet) {
            result = job.run();
        } else {
            try (Progress p = new Progress(System.err, Progress.isTerminal(), job::bytesRead, job.fileSize(), job::keysWritten)) {
                result = job.run();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        printSummary(out, result, uri);
        out.flush();
        long failed = result.stats().failedCount();
        if (failed > 0) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "ferry: error: %,d key%s not written as the source holds %s; the summary says why%n", failed,
                    failed == 1 ? " was" : "s were", failed == 1 ? "it" : "them");
            err.flush();
            return ExitCode.FAILED;
        }
        return ExitCode.OK;
    }

    private void printSummary(PrintWriter out, ImportJob.Result r, RedisUri uri) {
        RunStats s = r.stats();
        double secs = s.seconds();
        out.printf(Locale.ROOT, "Imported %s (RDB version %d, %s) into %s (%s)%n", file, r.rdbVersion(),
                Progress.bytes(r.bytesRead()), uri.redacted(), r.target());
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
}
