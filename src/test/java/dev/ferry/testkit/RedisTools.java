package dev.ferry.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared plumbing of the test harness: locating the Redis binaries, picking free loopback ports,
 * running {@code redis-cli} (and other tools) as subprocesses, waiting for conditions.
 *
 * <p>Binaries are looked up in the directory named by the environment variable {@code REDIS_BIN_DIR}
 * if set, else on {@code PATH}.
 */
public final class RedisTools {

    /** All servers bind here and all traffic goes here. */
    public static final String HOST = "127.0.0.1";

    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(15);

    private RedisTools() {
    }

    // ------------------------------------------------------------------ binaries

    /** Path of {@code redis-server}, if it can be found. */
    public static Optional<Path> redisServerBinary() {
        return findBinary("redis-server");
    }

    /** Path of {@code redis-cli}, if it can be found. */
    public static Optional<Path> redisCliBinary() {
        return findBinary("redis-cli");
    }

    /** True when both {@code redis-server} and {@code redis-cli} are available. */
    public static boolean isRedisAvailable() {
        return redisServerBinary().isPresent() && redisCliBinary().isPresent();
    }

    /**
     * Makes the calling test (or test class, from a {@code @BeforeAll}/extension) depend on Redis being
     * installed: when it is missing the test is <em>skipped</em> through {@link Assumptions}, except when the
     * environment variable {@code CI} is {@code true}, where it <em>fails</em> (CI must never skip silently).
     */
    public static void requireRedis() {
        requireRedis(isRedisAvailable(), System.getenv());
    }

    /** Decision logic of {@link #requireRedis()}, with its inputs injectable so it can be tested. */
    static void requireRedis(boolean available, Map<String, String> env) {
        if (available) {
            return;
        }
        String msg = "redis-server/redis-cli not found (looked in "
                + (env.get("REDIS_BIN_DIR") != null ? "REDIS_BIN_DIR=" + env.get("REDIS_BIN_DIR") + " and " : "")
                + "PATH); install Redis >= 7.0 (e.g. apt-get install redis-server redis-tools) to run the Redis integration tests";
        if ("true".equalsIgnoreCase(String.valueOf(env.get("CI")).trim())) {
            Assertions.fail(msg + " [CI=true: failing instead of skipping]");
        }
        Assumptions.abort(msg + " [skipped; set CI=true to make this a failure]");
    }

    static Path serverBinary() {
        return redisServerBinary().orElseThrow(() -> new IllegalStateException("redis-server not found on PATH"));
    }

    static Path cliBinary() {
        return redisCliBinary().orElseThrow(() -> new IllegalStateException("redis-cli not found on PATH"));
    }

    private static Optional<Path> findBinary(String name) {
        List<String> dirs = new ArrayList<>();
        String override = System.getenv("REDIS_BIN_DIR");
        if (override != null && !override.isBlank()) {
            dirs.add(override);
        }
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
        }
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ ports

    /**
     * A port that was free on 127.0.0.1 a moment ago. Races are possible (another process may take it before
     * the server binds); {@link RedisServer} detects that and retries with another port.
     */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot allocate a free loopback port", e);
        }
    }

    // ------------------------------------------------------------------ subprocesses

    /** Outcome of a subprocess such as {@code redis-cli}. */
    public record CliResult(List<String> command, int exitCode, String stdout, String stderr) {
        /** stdout with trailing whitespace removed. */
        public String out() {
            return stdout.strip();
        }

        /** True if the process exited 0 and the reply is not a Redis error (redis-cli exits 0 on error replies). */
        public boolean ok() {
            return exitCode == 0 && !looksLikeError(out());
        }

        private static boolean looksLikeError(String s) {
            // redis-cli prints error replies as "ERR ...", "WRONGPASS ...", "(error) ..." etc. on stdout
            String first = s.lines().findFirst().orElse("");
            return first.startsWith("(error)") || first.matches("^[A-Z][A-Z_]+ .*") && isErrorCode(first);
        }

        private static boolean isErrorCode(String line) {
            String code = line.substring(0, line.indexOf(' '));
            return List.of("ERR", "WRONGTYPE", "NOAUTH", "WRONGPASS", "NOPERM", "LOADING", "BUSY", "NOSCRIPT",
                    "READONLY", "MASTERDOWN", "MISCONF", "NOREPLICAS", "EXECABORT", "CLUSTERDOWN", "MOVED", "ASK",
                    "TRYAGAIN", "CROSSSLOT", "NOGOODSLAVE", "INPROG", "UNKILLABLE", "NOTBUSY", "NOPROTO")
                    .contains(code);
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode + ", stdout=" + abbreviate(stdout)
                    + ", stderr=" + abbreviate(stderr);
        }
    }

    /**
     * Runs a command, feeding {@code stdin} (may be null), with a timeout. Output is captured fully. Entries of
     * {@code env} with a null value are removed from the child's environment.
     * Never throws on a non-zero exit; throws {@link IllegalStateException} on timeout.
     */
    public static CliResult run(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (env != null) {
            // a null value removes the variable (e.g. REDISCLI_AUTH inherited from the caller's shell)
            env.forEach((k, v) -> {
                if (v == null) {
                    pb.environment().remove(k);
                } else {
                    pb.environment().put(k, v);
                }
            });
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try {
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // process may have exited early; its output tells why
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout + ": " + command);
            }
            return new CliResult(List.copyOf(command), p.exitValue(), out.get(10, TimeUnit.SECONDS),
                    err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read output of " + command, e);
        }
    }

    /** Runs {@code redis-cli -h 127.0.0.1 -p PORT args...} with no authentication and no TLS. */
    public static CliResult cli(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of(cliBinary().toString(), "-h", HOST, "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("REDISCLI_AUTH", null);
        return run(cmd, env, null, CLI_TIMEOUT);
    }

    static Duration cliTimeout() {
        return CLI_TIMEOUT;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e + ">";
        }
    }

    static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 400 ? '"' + t + '"' : '"' + t.substring(0, 400) + "...\"";
    }

    // ------------------------------------------------------------------ misc

    /** Last {@code n} lines of a text file, or a note that it is missing. */
    public static String tail(Path file, int n) {
        try {
            if (!Files.exists(file)) {
                return "<" + file + " does not exist>";
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "<cannot read " + file + ": " + e + ">";
        }
    }

    /**
     * Polls {@code condition} every {@code poll} until it is true; throws {@link IllegalStateException} with
     * {@code what} and the last observed {@code state} after {@code timeout}.
     */
    static void await(String what, Duration timeout, Duration poll, BooleanSupplier condition,
                      java.util.function.Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                String observed;
                try {
                    observed = state.get();
                } catch (RuntimeException e) {
                    observed = "<" + e + ">";
                }
                IllegalStateException ex = new IllegalStateException(
                        "timed out after " + timeout.toMillis() + " ms waiting for " + what + "; last state: " + observed);
                if (last != null) {
                    ex.addSuppressed(last);
                }
                throw ex;
            }
            sleep(poll);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Value of {@code field} in an {@code INFO}-style text ({@code field:value} lines), or null. */
    public static String infoField(String info, String field) {
        String prefix = field + ":";
        return info.lines().map(String::strip).filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length())).findFirst().orElse(null);
    }

    /** Deletes a directory tree, best effort. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
