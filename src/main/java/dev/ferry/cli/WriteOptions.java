package dev.ferry.cli;

import dev.ferry.util.UsageException;
import dev.ferry.writer.WriterOptions;
import java.util.Locale;
import picocli.CommandLine.Option;

/** How Ferry writes into the target: the "How to write" section of every command that writes (replicate adds to it). */
class WriteOptions {
    @Option(names = "--connections", defaultValue = "4", paramLabel = "N", description = "Pipelined connections per target node (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--pipeline", defaultValue = "1000", paramLabel = "N", description = "Unanswered commands allowed per connection (default: ${DEFAULT-VALUE}, at most 8000).")
    int pipeline;

    @Option(names = "--batch", defaultValue = "500", paramLabel = "N", description = "Elements per command when a collection is written with type commands (default: ${DEFAULT-VALUE}).")
    int batch;

    // declared by its negative name: picocli gives a negatable option the opposite of its default when the
    // positive form is used, so "--replace" with default true would switch replacing off
    @Option(names = "--no-replace", negatable = true, description = "Keep keys that already exist on the target, and count them as skipped. --replace (the default) overwrites them.")
    boolean noReplace;

    /** What to do about a key the target refuses or cannot hold. */
    enum Policy {
        SKIP, FAIL;

        @Override public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How values are written: the words of --write-mode for {@link WriterOptions.Mode}. */
    enum WriteMode {
        AUTO(WriterOptions.Mode.AUTO), COMMANDS(WriterOptions.Mode.COMMANDS);

        final WriterOptions.Mode mode;

        WriteMode(WriterOptions.Mode mode) {
            this.mode = mode;
        }

        @Override public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = "--on-error", defaultValue = "skip", paramLabel = "ACTION", description = "When the target refuses a key: report it and go on (skip) or stop (fail). One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Policy onError;

    @Option(names = "--on-unsupported", defaultValue = "skip", paramLabel = "ACTION", description = "When the target cannot hold a value (a missing module, field TTLs on Redis < 7.4...): report and skip it (skip) or stop (fail). One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Policy onUnsupported;

    @Option(names = "--write-mode", defaultValue = "auto", paramLabel = "MODE", description = "auto: RESTORE of the RDB payload where the target loads its encoding, type commands elsewhere; commands: type commands always. One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    WriteMode mode;

    @Option(names = "--reconnect-timeout", defaultValue = "30", paramLabel = "SECONDS", description = "How long a lost target connection may take to come back (the same node, the master Sentinel names next, or a cluster's new slot owner) before the run stops (default: ${DEFAULT-VALUE}).")
    int reconnectTimeout;

    @Option(names = "--big-value", defaultValue = "8388608", paramLabel = "BYTES", description = "Values larger than this are written in element batches, never held whole (default: ${DEFAULT-VALUE}).")
    long bigValue;

    WriterOptions toWriterOptions() {
        if (connections < 1 || connections > 64) throw new UsageException("--connections must be 1..64");
        if (pipeline < 1 || pipeline > 8000) throw new UsageException("--pipeline must be 1..8000");
        if (batch < 1 || batch > 100_000) throw new UsageException("--batch must be 1..100000");
        if (reconnectTimeout < 0) throw new UsageException("--reconnect-timeout must be >= 0");
        if (bigValue < 1024) throw new UsageException("--big-value must be at least 1024 bytes");
        return new WriterOptions(connections, pipeline, batch, !noReplace, onError == Policy.FAIL,
                onUnsupported == Policy.FAIL, mode.mode, reconnectTimeout * 1000L);
    }
}
