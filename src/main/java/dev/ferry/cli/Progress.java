package dev.ferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Shows how far a run is: on a terminal a bar redrawn in place (keys, bytes, rate, ETA); otherwise a
 * plain log line every few seconds, so CI logs and `nohup` files stay readable.
 */
final class Progress implements AutoCloseable {
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier bytesDone;
    private final long bytesTotal;
    private final LongSupplier keysDone;
    private final ScheduledExecutorService timer;
    private final long start = System.nanoTime();
    private int lastWidth;

    Progress(PrintStream out, boolean terminal, LongSupplier bytesDone, long bytesTotal, LongSupplier keysDone) {
        this.out = out;
        this.terminal = terminal;
        this.bytesDone = bytesDone;
        this.bytesTotal = bytesTotal;
        this.keysDone = keysDone;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-progress");
            t.setDaemon(true);
            return t;
        });
        long period = terminal ? 200 : 5000;
        timer.scheduleAtFixedRate(this::draw, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * True when redrawn bars make sense: stderr (where progress goes) is a terminal. {@link System#console()}
     * is not enough (Java 17 looks at stdin and stdout only, so {@code 2>err.log} on a terminal filled the log
     * with redraws); on Linux the link {@code /proc/self/fd/2} names the terminal device.
     */
    static boolean isTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) return false;
        Boolean tty = isTerminalDevice(Path.of("/proc/self/fd/2"));
        return tty != null ? tty : System.console() != null;
    }

    /** Whether the file descriptor link {@code fd} points at a terminal; null when that cannot be told (no /proc). */
    static Boolean isTerminalDevice(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /**
     * Prints {@code line} above the bar (the bar is cleared, the line printed, the bar drawn again below it at the
     * next redraw), so a redraw never covers it.
     */
    synchronized void message(String line) {
        if (terminal && lastWidth > 0) {
            out.print("\r\033[K"); // the whole line: a terminal's "^C" echo may stand after the bar
            lastWidth = 0;
        }
        out.println(line);
        out.flush();
    }

    private synchronized void draw() {
        double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
        long bytes = bytesDone.getAsLong();
        long keys = keysDone.getAsLong();
        double frac = bytesTotal > 0 ? Math.min(1.0, (double) bytes / bytesTotal) : 0;
        double rate = keys / secs;
        String eta = frac > 0.001 ? duration(secs / frac - secs) : "--:--";
        String stats = String.format(Locale.ROOT, "%5.1f%% %,d keys %s/%s %,.0f keys/s ETA %s", frac * 100, keys,
                bytes(bytes), bytes(bytesTotal), rate, eta);
        if (terminal) {
            int width = 30;
            int filled = (int) (frac * width);
            String line = "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + stats;
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
        } else {
            out.println("progress: " + stats);
        }
        out.flush();
    }

    static String bytes(long b) {
        if (b < 0) return "?";
        if (b < 1024) return b + " B";
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
    }

    static String duration(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (terminal && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            out.flush();
        }
    }
}
