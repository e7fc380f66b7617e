package dev.ferry.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every command that copies or compares has, declared once: {@code --target} (in each command's
 * "Source and target" section) and {@code --report}, {@code -q} (in its "Reports and output" section). Each is a
 * help section's base class (picocli allows no {@code @Mixin} inside an {@code @ArgGroup}), and a command adds its
 * own options to the section by extending it. Where a command's --report or --target means something of its own,
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

    /** --report and -q. */
    static class Output {
        @Option(names = "--report", paramLabel = "FILE", descriptionKey = "report",
                description = "Write every key not written exactly as the source holds it (skipped, failed, warned) to FILE, one JSON object per line.")
        Path report;

        @Option(names = {"-q", "--quiet"}, description = "No progress output.")
        boolean quiet;
    }
}
