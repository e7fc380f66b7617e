package dev.ferry.cli;

import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.source.ShardProgress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of a replication: during the snapshot one bar per source shard, then one live line per shard with
 * its lag in bytes and seconds. On a terminal the lines are redrawn in place; elsewhere a log line per shard
 * every few seconds.
 */
final class ReplicateProgress implements AutoCloseable {
    private final PrintStream out;
    private final boolean terminal;
    private final ReplicateJob job;
    private final ScheduledExecutorService timer;
    private int drawnLines;
    private long lastCommands;
    private long lastNanos = System.nanoTime();

    ReplicateProgress(PrintStream out, boolean terminal, ReplicateJob job) {
        this.out = out;
        this.terminal = terminal;
        this.job = job;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-progress");
            t.setDaemon(true);
            return t;
        });
        long period = terminal ? 250 : 5000;
        timer.scheduleAtFixedRate(this::draw, period, period, TimeUnit.MILLISECONDS);
    }

    private synchronized void draw() {
        List<String> lines = new ArrayList<>();
        long now = System.nanoTime();
        long commands = job.commandsApplied();
        double rate = (commands - lastCommands) / Math.max((now - lastNanos) / 1e9, 1e-3);
        lastCommands = commands;
        lastNanos = now;
        for (ShardProgress s : job.shards()) lines.add(line(s, rate));
        if (lines.isEmpty()) return;
        render(lines);
    }

    /** Draws the lines: in place of the previous ones on a terminal, else as log lines. */
    synchronized void render(List<String> lines) {
        if (terminal) {
            StringBuilder sb = new StringBuilder();
            if (drawnLines > 0) sb.append("\033[").append(drawnLines).append('A');
            for (String l : lines) sb.append('\r').append(l).append("\033[K\n");
            out.print(sb);
            drawnLines = lines.size();
        } else {
            for (String l : lines) out.println("progress: " + l);
        }
        out.flush();
    }

    /** Prints {@code line} above the progress lines, which the next redraw draws again below it. */
    synchronized void message(String line) {
        if (terminal && drawnLines > 0) {
            out.print("\033[" + drawnLines + "A\r\033[J"); // \r: a terminal's "^C" echo moved the cursor right
            drawnLines = 0;
        }
        out.println(line);
        out.flush();
    }

    private String line(ShardProgress s, double rate) {
        String name = s.name();
        switch (s.phase()) {
            case SNAPSHOT: {
                long read = s.snapshotBytesRead();
                long total = s.snapshotBytesTotal();
                double frac = total > 0 ? Math.min(1.0, (double) read / total) : 0;
                int width = 24;
                int filled = (int) (frac * width);
                if (total <= 0) {
                    // a diskless or Dragonfly snapshot announces no size
                    return String.format(Locale.ROOT, "%s snapshot: %s received, %,d keys written", name,
                            Progress.bytes(read), job.keysWritten());
                }
                String bar = "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                        + String.format(Locale.ROOT, "%5.1f%% ", frac * 100);
                return String.format(Locale.ROOT, "%s snapshot %s%s of %s received, %,d keys written", name, bar,
                        Progress.bytes(read), Progress.bytes(total), job.keysWritten());
            }
            case LIVE: {
                String lag = s.lagUnit().equals("bytes") ? Progress.bytes(s.lagBytes()) + String.format(Locale.ROOT,
                        " / %.1f s", s.lagMillis() / 1000.0) : String.format(Locale.ROOT, "%,d %s", s.lagBytes(), s.lagUnit());
                return String.format(Locale.ROOT, "%s live: lag %s, applied to %s %,d, %,.0f cmd/s (all shards)",
                        name, lag, s.positionUnit(), s.appliedPosition(), rate);
            }
            default:
                return name + " " + s.phase().name().toLowerCase(Locale.ROOT) + (s.note() == null ? "" : ": " + s.note());
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (terminal && drawnLines > 0) {
            out.print("\033[" + drawnLines + "A\033[J");
            out.flush();
        }
    }
}
