package dev.ferry.cutover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The operator's {@code --exec} command: whatever moves their applications that Ferry cannot (DNS, a config service,
 * a load balancer, a deploy). It runs through {@code sh -c} with the new master's address in its environment, its
 * output passed on line by line; exit 0 lets the cutover go on, anything else (or running past its time, which is
 * what is left of the write pause) undoes it.
 */
final class Hook {
    private final String command;
    private final Map<String, String> env;
    private final Consumer<String> output;

    Hook(String command, Map<String, String> env, Consumer<String> output) {
        this.command = command;
        this.env = env;
        this.output = output;
    }

    /** Runs the command for at most {@code timeoutMs}. Returns null when it exited 0, else why it failed. */
    String run(long timeoutMs) {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return "--exec could not start: " + e.getMessage();
        }
        Deque<String> last = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.accept("  exec: " + line);
                    synchronized (last) {
                        last.addLast(line);
                        if (last.size() > 3) last.removeFirst();
                    }
                }
            } catch (IOException ignored) {
                // the process ended or was killed; its exit code says what happened
            }
        }, "cutover-exec");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return "--exec did not finish within the " + timeoutMs + " ms the write pause had left; it was killed "
                        + "(whatever it changed before that is not undone by Ferry)";
            }
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return "interrupted while --exec ran";
        }
        int code = p.exitValue();
        if (code == 0) return null;
        String tail;
        synchronized (last) {
            tail = last.isEmpty() ? "" : " (its last output: " + String.join(" | ", last) + ")";
        }
        return "--exec exited with " + code + tail;
    }
}
