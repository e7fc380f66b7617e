package dev.ferry.cli;

import dev.ferry.pipeline.KeyFilter;
import dev.ferry.resp.RedisUri;
import dev.ferry.util.UsageException;
import dev.ferry.verify.Difference;
import dev.ferry.verify.VerifyJob;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare source and target key by key and value by value, in both directions.",
                "Exit 0 when equal, 3 when differences remain after the last round, 1 when it could not finish."})
public final class VerifyCommand implements Callable<Integer> {
    /** The two sides. */
    static final class Ends extends CommonOptions.Target {
        @Option(names = "--source", order = 1, required = true, paramLabel = "URI",
                description = "redis://, rediss://, redis-cluster://, redis-sentinel://, dragonfly://")
        String source;
    }

    /** How thoroughly, and how fast, the sides are compared. */
    static final class Comparing {
        @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
                description = "Passes in all: the first finds candidates, later ones re-check only those, so writes in flight settle (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--round-delay", defaultValue = "1000", paramLabel = "MS", description = "Pause before each re-check round (default: ${DEFAULT-VALUE}).")
        long roundDelay;

        @Option(names = "--ttl-tolerance", defaultValue = "1000", paramLabel = "MS",
                description = "TTLs further apart than this differ; a key with a TTL against one without always does (default: ${DEFAULT-VALUE}).")
        long ttlTolerance;

        @Option(names = "--sample", paramLabel = "N", description = "Check about N keys per side instead of all.")
        Long sample;

        @Option(names = "--checkpoint-prefix", defaultValue = dev.ferry.checkpoint.CheckpointKeys.DEFAULT_PREFIX, paramLabel = "PREFIX",
                description = "Keys under this prefix are Ferry's checkpoints, not data: not compared (default: ${DEFAULT-VALUE}).")
        String checkpointPrefix;

        @Option(names = "--batch", defaultValue = "500", paramLabel = "N", description = "Keys read per pipelined round trip (default: ${DEFAULT-VALUE}).")
        int batch;
    }

    @ArgGroup(validate = false, heading = "%nSource and target:%n", order = 1)
    Ends ends = new Ends();

    @ArgGroup(validate = false, heading = "%nWhat to compare:%n", order = 2)
    FilterOptions filters = new FilterOptions();

    @ArgGroup(validate = false, heading = "%nHow to compare:%n", order = 3)
    Comparing how = new Comparing();

    @ArgGroup(validate = false, heading = "%nReports and output:%n", order = 4)
    CommonOptions.Output output = new CommonOptions.Output();

    @ArgGroup(validate = false, heading = "%nStatus endpoint:%n", order = 5)
    StatusOptions status = new StatusOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int rounds = how.rounds;
        long roundDelay = how.roundDelay;
        long ttlTolerance = how.ttlTolerance;
        Long sample = how.sample;
        int batch = how.batch;
        if (rounds < 1) throw new UsageException("--rounds must be >= 1");
        if (roundDelay < 0 || ttlTolerance < 0 || batch < 1) throw new UsageException("--round-delay and --ttl-tolerance must be >= 0, --batch >= 1");
        if (sample != null && sample < 1) throw new UsageException("--sample must be >= 1");
        RedisUri src = RedisUri.parse(ends.source);
        RedisUri dst = RedisUri.parse(ends.target);
        VerifyJob.Settings s = new VerifyJob.Settings(src, dst,
                filters.toFilter().intoTargetDb(dst.db()).excluding(how.checkpointPrefix + "*"), rounds, roundDelay,
                ttlTolerance, sample == null ? 0 : sample, batch, output.report);
        return run(s, output.noProgress(), spec.commandLine().getOut(), spec.commandLine().getErr(), status);
    }

    /** Runs a verification and prints its summary; the exit code says whether the sides are equal. */
    static int run(VerifyJob.Settings s, boolean quiet, PrintWriter out, PrintWriter err, StatusOptions status) throws Exception {
        VerifyJob job = new VerifyJob(s);
        VerifyJob.Result r;
        try (dev.ferry.status.StatusServer served = status == null ? null : status.start(RunViews.verify(job, s), err)) {
            Thread ticker = quiet ? null : ticker(job, System.err);
            try {
                r = job.run();
            } finally {
                if (ticker != null) ticker.interrupt();
            }
        }
        printSummary(out, r);
        out.flush();
        if (r.differenceCount() > 0) {
            err.printf(Locale.ROOT, "ferry: %,d key%s differ%s between source and target%s%n", r.differenceCount(),
                    r.differenceCount() == 1 ? "" : "s", r.differenceCount() == 1 ? "s" : "",
                    s.report() == null ? "" : "; see " + s.report());
            err.flush();
            return ExitCode.DIFFERENCES;
        }
        return ExitCode.OK;
    }

    /** A progress line on stderr every second (redrawn in place on a terminal). */
    private static Thread ticker(VerifyJob job, PrintStream to) {
        boolean terminal = Progress.isTerminal();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(terminal ? 1000 : 5000);
                    String line = String.format(Locale.ROOT, "verify: round %d, %,d source keys and %,d target keys checked, %,d different so far",
                            job.round(), job.sourceKeysChecked(), job.targetKeysChecked(), job.candidates());
                    if (terminal) to.print("\r\033[K" + line);
                    else to.println(line);
                    to.flush();
                }
            } catch (InterruptedException e) {
                if (terminal) {
                    to.print("\r\033[K");
                    to.flush();
                }
            }
        }, "verify-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void printSummary(PrintWriter out, VerifyJob.Result r) {
        out.println("verify: " + r.source() + " -> " + r.target());
        row(out, "source keys checked", r.sourceKeys());
        row(out, "target keys checked", r.targetKeys());
        row(out, "missing on target", r.byKind().get(Difference.Kind.MISSING_ON_TARGET));
        row(out, "missing on source", r.byKind().get(Difference.Kind.MISSING_ON_SOURCE));
        row(out, "type", r.byKind().get(Difference.Kind.TYPE));
        row(out, "value", r.byKind().get(Difference.Kind.VALUE));
        row(out, "ttl", r.byKind().get(Difference.Kind.TTL));
        out.printf(Locale.ROOT, "  %-20s %d (differences after each: %s)%n", "rounds", r.perRound().size(),
                r.perRound().stream().map(n -> String.format(Locale.ROOT, "%,d", n)).collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "  %-20s %.1f%n", "seconds", r.seconds());
        out.printf(Locale.ROOT, "  %-20s %,.0f%n", "keys/s", r.seconds() > 0 ? Math.max(r.sourceKeys(), r.targetKeys()) / r.seconds() : 0.0);
        List<Difference> ds = r.differences();
        for (int i = 0; i < Math.min(10, ds.size()); i++) {
            Difference d = ds.get(i);
            out.printf(Locale.ROOT, "  e.g. %s: db %d key \"%s\" (source %s, target %s)%n", d.kind().label(), d.db(),
                    VerifyJob.printable(d.key()), side(d.source()), side(d.target()));
        }
        if (r.notKept() > 0) {
            out.printf(Locale.ROOT, "  %,d further differences were counted in the first pass only (not re-checked or listed): "
                    + "the sides differ too much for a key-by-key account%n", r.notKept());
        }
        out.println(r.differenceCount() == 0 ? "result: EQUAL"
                : String.format(Locale.ROOT, "result: %,d", r.differenceCount()) + (r.differenceCount() == 1 ? " DIFFERENCE" : " DIFFERENCES"));
    }

    private static void row(PrintWriter out, String label, long n) {
        out.printf(Locale.ROOT, "  %-20s %,d%n", label, n);
    }

    private static String side(dev.ferry.verify.Probe p) {
        if (p == null || !p.exists()) return "absent";
        return String.format(Locale.ROOT, "%s of length %,d", p.type(), p.length())
                + (p.ttlMs() >= 0 ? String.format(Locale.ROOT, ", ttl %,d ms", p.ttlMs()) : "");
    }

    /** Verify after a copy: the same URIs and filters as the copy. */
    static int afterCopy(RedisUri src, RedisUri dst, KeyFilter filter, Path report, boolean quiet, PrintWriter out,
                         PrintWriter err) throws Exception {
        return run(new VerifyJob.Settings(src, dst, filter, 3, 1000, 1000, 0, 500, report), quiet, out, err, null);
    }
}
