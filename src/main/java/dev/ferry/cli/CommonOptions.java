package dev.ferry.cli;

import dev.ferry.log.LogFormat;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every command that copies or compares has, declared once: {@code --target} (in each command's
 * "Source and target" section) and {@code --report}, {@code -q} (in its "Reports and output" section). Each is a
 * help section's base class (picocli allows no {@code @Mixin} inside an {@code @ArgGroup}), and a command adds its
 * own options to the section by extending it. {@code --log-format} comes with {@link Output}, and alone as
 * {@link Logging} for a command without the others. Where a command's --report or --target means something of its own,
 * {@link HelpTexts} says so under the option's description key.
 */
final class CommonOptions {
    private CommonOptions() {
    }

    static final String URIS = "redis://[user:pass@]host:port[/db], rediss://..., redis-cluster://h:p[,h:p], "
            + "redis-sentinel://h:p[,h:p]/master, dragonfly://host:port";

    /**
     * --target. Required: {@link Main} checks it, as picocli checks no required option inside a help section.
     * Listed second in its section (order 2): a command's --source comes first (order 1), its own options after.
     */
    static class Target {
        @Option(names = "--target", order = 2, required = true, paramLabel = "URI", descriptionKey = "target", description = URIS)
        String target;
    }

    /**
     * --log-format. Applied as picocli parses it (a setter), so the run's first log line has the format asked
     * for; picocli calls it with the default when the option is absent, so a run in the same JVM after a json
     * one (tests) logs text again.
     */
    static class Logging {
        @Option(names = "--log-format", order = 90, defaultValue = "text", paramLabel = "FORMAT",
                completionCandidates = LogFormats.class,
                description = "How log lines on stderr look: text, or json (one object a line: timestamp, level, logger, "
                        + "thread, message, exception) for log shippers (default: ${DEFAULT-VALUE}).")
        void logFormat(LogFormat format) {
            LogFormat.apply(format);
        }
    }

    /** The words --log-format takes, lower case as typed (also for its error line). */
    static final class LogFormats implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() {
            return java.util.List.of("text", "json").iterator();
        }
    }

    /** --report, -q and --log-format. */
    static class Output extends Logging {
        @Option(names = "--report", paramLabel = "FILE", descriptionKey = "report",
                description = "Write every key not written exactly as the source holds it (skipped, failed, warned) to FILE, one JSON object per line.")
        Path report;

        @Option(names = {"-q", "--quiet"}, description = "No progress output.")
        boolean quiet;

        /** No progress lines: asked for with -q, or under --log-format json, where stderr holds only JSON objects. */
        boolean noProgress() {
            return quiet || dev.ferry.log.LogFormat.current() == dev.ferry.log.LogFormat.JSON;
        }
    }
}
