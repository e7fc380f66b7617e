package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * Crashes Ferry over and over: runs one {@code ferry} command line (the packaged jar, {@code target/ferry.jar}) as a
 * child process, kills it with SIGKILL after a delay drawn from a seeded {@link Random}, optionally changes the
 * source while it is down, and starts the very same command again; after the last kill it starts it once more and
 * leaves it running ({@link #last()}) for the test to let it catch up and stop it with SIGTERM ({@link #finish()}).
 *
 * <p>Each attempt's stdout and stderr go to their own files in the loop's directory. How a restart began is read
 * from its stderr: a line {@code resuming <shard> from <position>} per shard that continued from the target's
 * checkpoint, or {@code cannot resume: <reason>; full sync}. Where each kill landed is read from the run's own log
 * (the child runs with {@code FERRY_LOG_LEVEL=info}): after {@code snapshot copied} it was live.
 *
 * <pre>{@code
 * KillLoop loop = KillLoop.ferry(dir, "replicate", "--source", s, "--target", t).seed(3).kills(20)
 *         .whileDown(i -> deleteSomeKeys()).run();
 * ... wait for the target to equal the source ...
 * KillLoop.Finished end = loop.finish();
 * }</pre>
 */
public final class KillLoop {

    /** Where a kill landed, from what the run had logged by then. */
    public enum Phase { STARTUP, SNAPSHOT, LIVE, IMPORT }

    /** How a run began: resumed every shard, said it could not resume (a full sync), some of each, or neither line. */
    public enum Start { RESUMED, FULL_SYNC, MIXED, NEITHER }

    /**
     * One run of the command. {@code killedAfterMs} is -1 for the last run (stopped with SIGTERM, not killed);
     * {@code resumedShards}/{@code fullSyncShards} count its {@code resuming ...} and {@code cannot resume: ...} lines;
     * {@code afterFirstSnapshot}: an earlier run had completed a snapshot (so a checkpoint could exist).
     */
    public record Attempt(int index, long killedAfterMs, Phase phase, Start start, int resumedShards, int fullSyncShards,
                          boolean afterFirstSnapshot, boolean checkpointFound, long snapshotDoneMs, String said, Path out, Path err) {
        @Override
        public String toString() {
            return "#" + index + (killedAfterMs >= 0 ? " killed at " + killedAfterMs + " ms (" + phase.name().toLowerCase() + ")"
                    : " last run") + (snapshotDoneMs >= 0 ? ", live from " + snapshotDoneMs + " ms" : "")
                    + ", began " + start.name().toLowerCase().replace('_', ' ')
                    + (resumedShards + fullSyncShards > 0 ? " (" + resumedShards + " resuming, " + fullSyncShards + " cannot resume)" : "")
                    + (index > 0 ? (checkpointFound ? ", checkpoint on the target" : ", no checkpoint on the target") : "")
                    + (said != null ? ": " + said : "");
        }
    }

    /** How the last run ended after SIGTERM. */
    public record Finished(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A log line's "HH:mm:ss.SSS LEVEL " and a "ferry: " prefix, so a line is matched by what it says. */
    private static final Pattern PREFIX = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +[A-Z]+ +)?(ferry: )?");
    private static final String SNAPSHOT_DONE = "snapshot copied";

    private final Path dir;
    private final List<String> args;
    private long seed = 1;
    private int kills = 20;
    private long earlyMinMs = 400;
    private long earlyMaxMs = 1500;
    private long lateMinMs = 1500;
    private long lateMaxMs = 4000;
    private double earlyShare = 0.25;
    private boolean lateAfterLive;
    private long firstMinMs = -1;
    private long firstMaxMs = -1;
    private IntConsumer whileDown = i -> { };
    private java.util.function.BooleanSupplier checkpointProbe = () -> false;

    private final List<Attempt> attempts = new ArrayList<>();
    private Random random;
    private Process last;
    private Path lastOut;
    private Path lastErr;
    private boolean snapshotSeen;
    private boolean lastCheckpoint;
    /** Wall-clock time the current attempt started, to place its log lines (they carry HH:mm:ss.SSS). */
    private java.time.LocalTime startedAt;

    private KillLoop(Path dir, List<String> args) {
        this.dir = dir;
        this.args = List.copyOf(args);
    }

    /** The loop over {@code ferry <args>}, its output files in {@code dir}. */
    public static KillLoop ferry(Path dir, String... args) {
        return new KillLoop(dir, List.of(args));
    }

    public KillLoop seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** How many times to kill it (0: just start it, to check a test's own plumbing); the run after the last kill is left running. */
    public KillLoop kills(int kills) {
        if (kills < 0) throw new IllegalArgumentException("kills must not be negative");
        this.kills = kills;
        return this;
    }

    /**
     * Kill delays, from the child's start: a share {@code earlyShare} uniform in {@code [earlyMin, earlyMax]} (meant
     * to land in a snapshot), the rest in {@code [lateMin, lateMax]}.
     */
    public KillLoop delays(long earlyMinMs, long earlyMaxMs, long lateMinMs, long lateMaxMs, double earlyShare) {
        this.earlyMinMs = earlyMinMs;
        this.earlyMaxMs = earlyMaxMs;
        this.lateMinMs = lateMinMs;
        this.lateMaxMs = lateMaxMs;
        this.earlyShare = earlyShare;
        return this;
    }

    /**
     * Late kills count their delay ({@code [minMs, maxMs]}) from the moment the run says it follows the source
     * ({@code snapshot copied}) rather than from its start, so they land in the live phase however long a full sync
     * takes on a loaded machine; a run that does not get there within 90 s fails the loop.
     */
    public KillLoop lateAfterLive(long minMs, long maxMs) {
        this.lateMinMs = minMs;
        this.lateMaxMs = maxMs;
        this.lateAfterLive = true;
        return this;
    }

    /**
     * The first run's kill delay, counted from its first log line (it has opened the target and started its source;
     * the JVM's start-up varies with the machine's load), when it must land somewhere in particular: in the first
     * snapshot, which later runs may never repeat once they resume. By default it is drawn like the others.
     */
    public KillLoop firstDelay(long minMs, long maxMs) {
        this.firstMinMs = minMs;
        this.firstMaxMs = maxMs;
        return this;
    }

    /** Runs after kill {@code i} (0-based), while Ferry is down: delete keys on the source, fail a master over... */
    public KillLoop whileDown(IntConsumer action) {
        this.whileDown = action;
        return this;
    }

    /** Asked just before each restart: does the target hold a checkpoint now (so the restart has one to read)? */
    public KillLoop checkpointProbe(java.util.function.BooleanSupplier probe) {
        this.checkpointProbe = probe;
        return this;
    }

    /**
     * Starts, kills and restarts the command {@link #kills} times, then starts it once more and returns with that run
     * going. Fails (with the run's output) if a run ends by itself before its kill.
     */
    public KillLoop run() {
        random = new Random(seed);
        for (int i = 0; i < kills; i++) {
            boolean early = random.nextDouble() < earlyShare;
            long delay = early ? between(earlyMinMs, earlyMaxMs) : between(lateMinMs, lateMaxMs);
            if (i == 0 && firstMinMs >= 0) {
                early = true;
                delay = between(firstMinMs, firstMaxMs);
            }
            Path out = dir.resolve(String.format("attempt-%02d.out", i));
            Path err = dir.resolve(String.format("attempt-%02d.err", i));
            boolean checkpoint = i > 0 && checkpointProbe.getAsBoolean();
            Process p = start(out, err);
            long t0 = System.nanoTime();
            startedAt = java.time.LocalTime.now();
            if (!early && lateAfterLive) awaitLog(p, err, i, SNAPSHOT_DONE);
            if (i == 0 && firstMinMs >= 0) awaitLog(p, err, i, "");
            boolean ended = waitFor(p, delay);
            if (ended) {
                throw new AssertionError("run #" + i + " of " + command() + " ended by itself (exit " + p.exitValue() + ") "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms after its start, before its kill (" + delay + " ms"
                        + (i == 0 && firstMinMs >= 0 ? " after its first log line" : !early && lateAfterLive ? " after it went live" : "")
                        + "); " + history() + "\n--- stdout\n" + RedisTools.tail(out, 30) + "\n--- stderr\n" + RedisTools.tail(err, 30));
            }
            // read what it logged before killing it: lines written after this point cannot have changed its phase
            String before = read(err);
            kill(p);
            long at = (System.nanoTime() - t0) / 1_000_000;
            attempts.add(attempt(i, at, phaseOf(before), read(err), checkpoint, out, err));
            if (before.contains(SNAPSHOT_DONE)) snapshotSeen = true;
            whileDown.accept(i);
        }
        lastOut = dir.resolve(String.format("attempt-%02d.out", kills));
        lastErr = dir.resolve(String.format("attempt-%02d.err", kills));
        lastCheckpoint = kills > 0 && checkpointProbe.getAsBoolean();
        last = start(lastOut, lastErr);
        startedAt = java.time.LocalTime.now();
        return this;
    }

    /** The run started after the last kill (null before {@link #run()}). */
    public Process last() {
        return last;
    }

    /** Waits (at most {@code timeout}) until the last run logged that its snapshot is copied and it follows the source. */
    public void awaitLive(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!read(lastErr).contains(SNAPSHOT_DONE)) {
            checkLastAlive();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the last run did not say '" + SNAPSHOT_DONE + "' within " + timeout.toSeconds()
                        + " s\n--- stderr\n" + RedisTools.tail(lastErr, 30));
            }
            RedisTools.sleep(java.time.Duration.ofMillis(50));
        }
    }

    /** Fails, with its output, when the last run is no longer running: for wait loops that would otherwise time out. */
    public void checkLastAlive() {
        if (last != null && !last.isAlive()) {
            throw new AssertionError("the last run of " + command() + " ended (exit " + last.exitValue() + ") before it was stopped; "
                    + history() + "\n--- stdout\n" + RedisTools.tail(lastOut, 30) + "\n--- stderr\n" + RedisTools.tail(lastErr, 30));
        }
    }

    /**
     * Stops the last run with SIGTERM (Ferry takes it as Ctrl-C: it applies what it read and prints its summary),
     * waits up to 60 s for it to exit, and records how it began.
     */
    public Finished finish() {
        if (last == null) throw new IllegalStateException("not running");
        last.destroy(); // SIGTERM
        return awaitExit(java.time.Duration.ofSeconds(60), "of SIGTERM");
    }

    /** For a command that ends by itself (an import): waits up to {@code timeout} for the last run to exit. */
    public Finished awaitExit(java.time.Duration timeout) {
        if (last == null) throw new IllegalStateException("not running");
        return awaitExit(timeout, "of its start");
    }

    private Finished awaitExit(java.time.Duration timeout, String since) {
        try {
            if (!last.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(last);
                throw new AssertionError("the last run did not exit within " + timeout.toSeconds() + " s " + since + "; "
                        + history() + "\n--- stderr\n" + RedisTools.tail(lastErr, 30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(last);
            throw new IllegalStateException("interrupted waiting for ferry to stop", e);
        }
        ProcessRegistry.unregister(last);
        String err = read(lastErr);
        attempts.add(attempt(kills, -1, Phase.LIVE, err, lastCheckpoint, lastOut, lastErr));
        return new Finished(last.exitValue(), read(lastOut), err);
    }

    /** For a test's {@code finally}: kills the last run if it is still there. */
    public void killLast() {
        if (last != null && last.isAlive()) kill(last);
    }

    /** Every run so far, the killed ones and (after {@link #finish()}) the last. */
    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** Runs after the first, i.e. restarts. */
    public List<Attempt> restarts() {
        return attempts.stream().filter(a -> a.index() > 0).toList();
    }

    /** Restarts that found a checkpoint on the target (see {@link #checkpointProbe}). */
    public List<Attempt> restartsWithCheckpoint() {
        return restarts().stream().filter(Attempt::checkpointFound).toList();
    }

    /** Restarts that came after a completed snapshot: the ones that should have had a checkpoint to resume from. */
    public List<Attempt> restartsAfterFirstSnapshot() {
        return restarts().stream().filter(Attempt::afterFirstSnapshot).toList();
    }

    public long count(Start start) {
        return restarts().stream().filter(a -> a.start() == start).count();
    }

    public long kills(Phase phase) {
        return attempts.stream().filter(a -> a.killedAfterMs() >= 0 && a.phase() == phase).count();
    }

    /** One paragraph for the test's output: the kill points and how each restart began. */
    public String history() {
        StringBuilder sb = new StringBuilder();
        sb.append(attempts.stream().filter(a -> a.killedAfterMs() >= 0).count()).append(" kill(s) (output in ").append(dir)
                .append("): ");
        for (Phase p : Phase.values()) if (kills(p) > 0) sb.append(kills(p)).append(' ').append(p.name().toLowerCase()).append(", ");
        sb.append("restarts: ").append(count(Start.RESUMED)).append(" resumed, ").append(count(Start.FULL_SYNC))
                .append(" cannot resume, ").append(count(Start.MIXED)).append(" mixed, ").append(count(Start.NEITHER))
                .append(" said neither");
        for (Attempt a : attempts) sb.append("\n  ").append(a);
        return sb.toString();
    }

    /** The command as run (for messages; no password is ever put in a test's URIs here). */
    public String command() {
        return "ferry " + String.join(" ", args);
    }

    // ---------------------------------------------------------------- process plumbing

    private Process start(Path out, Path err) {
        Path jar = Path.of("target", "ferry.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: failsafe runs after `package`, which builds it");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("FERRY_LOG_LEVEL", "info"); // the phase and resume lines are read from the log
        try {
            Process p = pb.start();
            ProcessRegistry.register(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** SIGKILL (what {@code destroyForcibly} sends on Linux) and wait for the process to be gone. */
    private static void kill(Process p) {
        p.destroyForcibly();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("pid " + p.pid() + " survived SIGKILL for 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for pid " + p.pid() + " to die", e);
        }
        ProcessRegistry.unregister(p);
    }

    /**
     * Waits (at most 90 s) until run {@code i} logs {@code what} ("": anything at all), or has ended (the caller then
     * fails with its output).
     */
    private void awaitLog(Process p, Path err, int i, String what) {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (p.isAlive() && !(what.isEmpty() ? !read(err).isBlank() : read(err).contains(what))) {
            if (System.nanoTime() > deadline) {
                kill(p);
                throw new AssertionError("run #" + i + " did not log '" + what + "' within 90 s; " + history()
                        + "\n--- stderr\n" + RedisTools.tail(err, 30));
            }
            RedisTools.sleep(java.time.Duration.ofMillis(20));
        }
    }

    /** Waits {@code ms}; true if the process ended by itself meanwhile. */
    private static boolean waitFor(Process p, long ms) {
        try {
            return p.waitFor(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private long between(long min, long max) {
        return min + (long) (random.nextDouble() * (max - min));
    }

    private Attempt attempt(int index, long at, Phase phase, String err, boolean checkpoint, Path out, Path errFile) {
        int resumed = 0;
        int full = 0;
        String first = null;
        long snapshotDone = -1;
        for (String line : err.split("\r?\n")) {
            String said = PREFIX.matcher(line.strip()).replaceFirst("");
            if (said.startsWith("resuming ")) resumed++;
            else if (said.contains("cannot resume: ")) full++;
            else said = null;
            if (said != null && first == null) first = said.length() > 200 ? said.substring(0, 200) + "..." : said;
            if (snapshotDone < 0 && line.contains(SNAPSHOT_DONE)) snapshotDone = sinceStart(line);
        }
        Start start = resumed > 0 && full > 0 ? Start.MIXED : resumed > 0 ? Start.RESUMED : full > 0 ? Start.FULL_SYNC : Start.NEITHER;
        return new Attempt(index, at, phase, start, resumed, full, snapshotSeen, checkpoint, snapshotDone, first, out, errFile);
    }

    /** Milliseconds from the attempt's start to a log line's "HH:mm:ss.SSS" time, or -1 when it has none. */
    private long sinceStart(String line) {
        try {
            java.time.LocalTime t = java.time.LocalTime.parse(line.substring(0, 12));
            long ms = java.time.Duration.between(startedAt, t).toMillis();
            return ms < 0 ? ms + 86_400_000L : ms; // past midnight
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private Phase phaseOf(String err) {
        if (args.get(0).equals("import")) return err.isBlank() ? Phase.STARTUP : Phase.IMPORT;
        if (err.contains(SNAPSHOT_DONE)) return Phase.LIVE;
        return err.isBlank() ? Phase.STARTUP : Phase.SNAPSHOT;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
