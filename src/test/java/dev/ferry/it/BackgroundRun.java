package dev.ferry.it;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The servers of a test and the one ferry command it runs in the background (a replicate with a status
 * endpoint, say); {@link #close} stops the command as Ctrl-C does, waits for it, then stops the servers.
 */
final class BackgroundRun implements AutoCloseable {
    private final List<RedisServer> servers = new ArrayList<>();
    private CompletableFuture<Cli.Result> run;

    RedisServer server(String name) {
        RedisServer s = RedisServer.builder().name(name).start();
        servers.add(s);
        return s;
    }

    /** Starts {@code ferry replicate --source S --target T -q MORE...} on a thread of its own. */
    CompletableFuture<Cli.Result> replicate(RedisServer source, RedisServer target, String... more) {
        List<String> args = new ArrayList<>(List.of("replicate", "--source", source.uri(), "--target", target.uri(), "-q"));
        args.addAll(List.of(more));
        return start(args.toArray(String[]::new));
    }

    /** Starts {@code ferry ARGS...} on a thread of its own. */
    CompletableFuture<Cli.Result> start(String... args) {
        run = CompletableFuture.supplyAsync(() -> Cli.run(args));
        return run;
    }

    /** Starts {@code ferry ARGS...} on a thread of its own, with no servers to stop. */
    static CompletableFuture<Cli.Result> inBackground(String... args) {
        return CompletableFuture.supplyAsync(() -> Cli.run(args));
    }

    /** Waits up to 60 s until {@code done}; fails at once, with the run's output, if the run ends first. */
    static void await(String what, BooleanSupplier done, CompletableFuture<Cli.Result> run) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!done.getAsBoolean()) {
            if (run.isDone()) throw new AssertionError("the run ended before " + what + ":\n" + run.join());
            if (System.currentTimeMillis() > deadline) throw new AssertionError("60 s passed before " + what);
            LiveRun.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (run != null && !run.isDone()) {
                Cli.interrupt();
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            for (RedisServer s : servers) s.close();
        }
    }
}
