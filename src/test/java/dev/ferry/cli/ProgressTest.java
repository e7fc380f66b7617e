package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress bars go to a terminal only, and a line printed while they are drawn (the Ctrl-C confirmation) stays
 * on the screen: the redraws go below it.
 */
class ProgressTest {
    @TempDir
    Path tmp;

    @Test
    void terminalDeviceIsToldFromTheDescriptorLink() throws Exception {
        Path pts = tmp.resolve("pts");
        Files.createSymbolicLink(pts, Path.of("/dev/pts/3"));
        Path log = tmp.resolve("log");
        Files.createSymbolicLink(log, tmp.resolve("err.log"));
        Path devNull = tmp.resolve("null");
        Files.createSymbolicLink(devNull, Path.of("/dev/null"));
        Path plain = Files.createFile(tmp.resolve("plain"));
        assertThat(Progress.isTerminalDevice(pts)).isTrue();
        assertThat(Progress.isTerminalDevice(log)).isFalse();
        assertThat(Progress.isTerminalDevice(devNull)).isFalse();
        assertThat(Progress.isTerminalDevice(plain)).as("not a descriptor link: cannot tell").isNull();
    }

    /** Runs {@link TerminalProbe} in a pseudo-terminal ({@code script}), stderr to {@code stderrTo} or the terminal. */
    private String probe(String stderrTo) throws Exception {
        assumeTrue(new File("/usr/bin/script").canExecute() && Files.isDirectory(Path.of("/proc/self/fd")),
                "needs util-linux script and /proc");
        String cp = Path.of(Progress.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + File.pathSeparator
                + Path.of(TerminalProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = "TERM=xterm '" + java + "' -Xshare:auto -cp '" + cp + "' dev.ferry.cli.TerminalProbe"
                + (stderrTo == null ? "" : " 2>'" + stderrTo + "'");
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void stderrRedirectedToAFileOnATerminalGetsNoBars() throws Exception {
        assertThat(probe(null)).as("stderr on the terminal").contains("terminal=true");
        Path err = tmp.resolve("err.log");
        assertThat(probe(err.toString())).as("stdout on the terminal, stderr into a file").contains("terminal=false");
    }

    /** What a terminal shows after {@code bytes}: carriage return, newline, cursor up (ESC[nA), erase (ESC[K, ESC[J). */
    static List<String> screen(String bytes) {
        List<StringBuilder> rows = new ArrayList<>();
        rows.add(new StringBuilder());
        int row = 0;
        int col = 0;
        for (int i = 0; i < bytes.length(); i++) {
            char ch = bytes.charAt(i);
            if (ch == '\r') {
                col = 0;
            } else if (ch == '\n') {
                row++;
                col = 0;
                while (rows.size() <= row) rows.add(new StringBuilder());
            } else if (ch == '\033' && i + 1 < bytes.length() && bytes.charAt(i + 1) == '[') {
                int j = i + 2;
                while (Character.isDigit(bytes.charAt(j))) j++;
                int n = j > i + 2 ? Integer.parseInt(bytes.substring(i + 2, j)) : 1;
                char op = bytes.charAt(j);
                if (op == 'A') {
                    row = Math.max(0, row - n);
                } else if (op == 'K') {
                    rows.get(row).setLength(Math.min(col, rows.get(row).length()));
                } else if (op == 'J') {
                    rows.get(row).setLength(Math.min(col, rows.get(row).length()));
                    while (rows.size() > row + 1) rows.remove(rows.size() - 1);
                }
                i = j;
            } else {
                StringBuilder r = rows.get(row);
                while (r.length() < col) r.append(' ');
                if (col < r.length()) r.setCharAt(col, ch);
                else r.append(ch);
                col++;
            }
        }
        List<String> out = new ArrayList<>();
        for (StringBuilder r : rows) out.add(r.toString().stripTrailing());
        return out;
    }

    @Test
    void aStopLineStaysAboveTheBarThroughLaterRedraws() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        long[] done = {10};
        try (Progress p = new Progress(out, true, () -> done[0], 100, () -> done[0])) {
            waitForRedraws(bytes, 1);
            p.message("ferry: stopping: applying what was read (interrupt again to quit at once)");
            done[0] = 60;
            waitForRedraws(bytes, 2);
        }
        List<String> screen = screen(bytes.toString(StandardCharsets.UTF_8));
        assertThat(screen).contains("ferry: stopping: applying what was read (interrupt again to quit at once)");
    }

    /** Waits until {@code n} more bar redraws than now were written. */
    private static void waitForRedraws(ByteArrayOutputStream bytes, int n) throws InterruptedException {
        int before = count(bytes.toString(StandardCharsets.UTF_8), "keys/s");
        long deadline = System.currentTimeMillis() + 30_000;
        while (count(bytes.toString(StandardCharsets.UTF_8), "keys/s") < before + n) {
            assertThat(System.currentTimeMillis()).as("progress redraws").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    @Test
    void aStopLineStaysAboveTheShardLinesOfAReplication() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        dev.ferry.pipeline.ReplicateJob job = new dev.ferry.pipeline.ReplicateJob(new dev.ferry.pipeline.ReplicateJob.Settings(
                dev.ferry.resp.RedisUri.parse("redis://127.0.0.1:1"), dev.ferry.resp.RedisUri.parse("redis://127.0.0.1:2"), true,
                new dev.ferry.pipeline.KeyFilter(null, null, null, null, null), null, 1 << 20, null,
                dev.ferry.pipeline.RateLimiter.NONE, false, 1 << 20, 0, tmp, false, 300_000));
        try (ReplicateProgress p = new ReplicateProgress(out, true, job)) {
            p.render(List.of("master a snapshot: 1 MiB received", "master b snapshot: 2 MiB received"));
            p.message("ferry: stopping: applying what was read (interrupt again to quit at once)");
            p.render(List.of("master a snapshot: 3 MiB received", "master b snapshot: 4 MiB received"));
            p.render(List.of("master a stopped", "master b stopped"));
        }
        List<String> screen = screen(bytes.toString(StandardCharsets.UTF_8));
        assertThat(screen).contains("ferry: stopping: applying what was read (interrupt again to quit at once)");
    }

    @Test
    void theScreenModelShowsWhatARedrawCovers() {
        // the model itself: a line printed between two multi-line redraws that move the cursor up is covered
        String covered = "\ra\033[K\n\rb\033[K\nstop\n\033[2A\ra2\033[K\n\rb2\033[K\n";
        assertThat(screen(covered)).doesNotContain("stop");
    }

    @Test
    void secondInterruptPrintsWhatIsConfirmedThenQuitsWith130() {
        List<String> printed = new ArrayList<>();
        List<Integer> quits = new ArrayList<>();
        int[] stops = {0};
        java.util.function.IntConsumer realQuit = StopSignals.quit;
        StopSignals.quit = quits::add;
        try {
            StopSignals.onInterrupt(() -> stops[0]++, () -> "1,234 keys written, file offset 56,789 of dump.rdb");
            StopSignals.printVia(printed::add);
            StopSignals.interrupt();
            assertThat(stops[0]).isEqualTo(1);
            assertThat(quits).isEmpty();
            StopSignals.interrupt();
            assertThat(stops[0]).isEqualTo(1);
            assertThat(quits).containsExactly(130);
            assertThat(printed).containsExactly(
                    "ferry: stopping: applying what was read (interrupt again to quit at once)",
                    "ferry: quit at once; confirmed by the target so far: 1,234 keys written, file offset 56,789 of dump.rdb");
        } finally {
            StopSignals.printVia(null);
            StopSignals.quit = realQuit;
            StopSignals.onInterrupt(() -> { }, () -> "nothing");
        }
    }
}
