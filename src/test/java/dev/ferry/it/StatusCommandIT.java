package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.cli.StatusCli;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry status} against a real {@code ferry replicate --status-port} between two redis-server processes:
 * the table shows the live shard at the source's own offset with no lag, and the writer's counts add up to what
 * the target holds after a known set of writes; once the run ends, the same command says nothing listens there.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StatusCommandIT {
    private static final int SNAPSHOT_KEYS = 300;
    private static final int LIVE_KEYS = 200;
    private final BackgroundRun background = new BackgroundRun();
    private CompletableFuture<Cli.Result> run;
    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        background.close();
    }

    @Test
    void theTableShowsTheLiveShardAndTheWritesTheTargetHolds() throws Exception {
        RedisServer source = background.server("statuscmd-src");
        RedisServer target = background.server("statuscmd-dst");
        set(source, "snap:", SNAPSHOT_KEYS);
        int port = RedisTools.freePort();
        String p = Integer.toString(port);
        run = background.replicate(source, target, "--status-port", p);

        awaitTable(p, out -> out.startsWith("ferry replicate  phase live  "), "phase live");
        set(source, "live:", LIVE_KEYS);
        String shardName = "master 127.0.0.1:" + source.port();
        // what the writes leave once applied: the live shard at the source's offset, nothing behind, every command applied
        String[] sourceOffset = new String[1];
        List<String> lines = awaitTable(p, out -> {
            sourceOffset[0] = String.format(Locale.ROOT, "%,d", Long.parseLong(source.infoField("replication", "master_repl_offset")));
            List<String> row = row(out.lines().toList(), shardName);
            return row != null && row.get(2).equals("offset " + sourceOffset[0]) && row.get(5).equals("0.0s") && row.get(6).equals("0 B")
                    && out.contains("writer: " + SNAPSHOT_KEYS + " keys written, " + LIVE_KEYS + " commands applied");
        }, "the shard at the source's offset with no lag, " + LIVE_KEYS + " live commands applied");

        String all = String.join("\n", lines);
        assertThat(lines.get(0)).as(all).isEqualTo("ferry replicate  phase live  " + source.uri() + " -> " + target.uri());
        assertThat(lines.get(1)).as(all).matches("up \\d+:\\d\\d  run [0-9a-f]{8}  version \\S+  at \\S+Z");
        assertThat(lines.get(2)).as(all).isEqualTo("keys: " + SNAPSHOT_KEYS + " read of " + SNAPSHOT_KEYS + " (100.0%), " + SNAPSHOT_KEYS
                + " written, 0 filtered"); // the full sync's RDB announced its keys
        assertThat(row(lines, "SHARD")).containsExactly("SHARD", "PHASE", "POSITION", "SNAPSHOT", "READ", "LAG", "BEHIND", "RECONNECTS", "RESYNCS");
        List<String> shard = row(lines, shardName);
        assertThat(shard).as(all).hasSize(9);
        assertThat(shard.subList(0, 4)).as(all).containsExactly(shardName, "live", "offset " + sourceOffset[0], "done");
        assertThat(shard.get(4)).as(all).matches("[0-9.]+k?/s");
        assertThat(shard.subList(5, 9)).as(all).containsExactly("0.0s", "0 B", "0", "0");

        // the writer's counts against the target: the snapshot's keys written whole, each live SET one more key
        String writer = lines.stream().filter(l -> l.startsWith("writer: ")).findFirst().orElseThrow();
        assertThat(writer).as(all).startsWith("writer: " + SNAPSHOT_KEYS + " keys written, " + LIVE_KEYS + " commands applied (")
                .endsWith(" sent, 0 reconnects");
        long dbsize = Long.parseLong(target.cli("DBSIZE").trim());
        assertThat(dbsize - checkpointKeys(target)).as("target keys besides the checkpoint").isEqualTo(SNAPSHOT_KEYS + LIVE_KEYS);
        List<String> node = row(lines, "127.0.0.1:" + target.port());
        assertThat(node).as(all).hasSize(3);
        assertThat(Integer.parseInt(node.get(1))).as(all).isPositive();
        assertThat(node.get(2)).as(all).isEqualTo("0");
        assertThat(lines).as(all).contains("errors: none", "skipped 0, failed 0, warned 0");
        String checkpoint = lines.get(lines.size() - 1);
        assertThat(checkpoint).as(all).startsWith("checkpoint (prefix " + DatasetDiff.CHECKPOINT_PREFIX + "): written ").endsWith("s ago");

        Cli.interrupt();
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Cli.Result gone = StatusCli.run(Map.of(), "--status-port", p);
        assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(1);
        assertThat(gone.err().strip()).isEqualTo("ferry: error: no Ferry status at http://127.0.0.1:" + port + "/status: connection "
                + "refused (is a ferry run started with --status-port " + port + "?)");
    }

    /** A run with a token: asked for without one, refused with a wrong one, shown with the right one from a file. */
    @Test
    void aTokenFromAFileOpensARunsStatus() throws Exception {
        RedisServer source = background.server("statuscmd-src");
        RedisServer target = background.server("statuscmd-dst");
        set(source, "k:", 10);
        Path token = Files.writeString(tmp.resolve("token"), "t0ken-of-the-run\n");
        int port = RedisTools.freePort();
        String p = Integer.toString(port);
        run = background.replicate(source, target, "--status-port", p, "--status-token-file", token.toString());
        // the first answer, whatever it says, once the endpoint listens
        Cli.Result asked = awaitResult(Map.of(), p, r -> !r.err().contains("connection refused"), "the endpoint listening");
        assertThat(asked.exitCode()).as(asked.toString()).isEqualTo(1);
        assertThat(asked.err().strip()).isEqualTo("ferry: error: the status endpoint wants a token: set FERRY_STATUS_TOKEN or --status-token-file");
        Cli.Result wrong = StatusCli.run(Map.of("FERRY_STATUS_TOKEN", "not-the-token"), "--status-port", p);
        assertThat(wrong.err().strip()).isEqualTo("ferry: error: the status endpoint refused the token from FERRY_STATUS_TOKEN");
        Cli.Result shown = awaitResult(Map.of(), p, r -> r.out().startsWith("ferry replicate  phase live  "), "phase live",
                "--status-token-file", token.toString());
        assertThat(shown.exitCode()).as(shown.toString()).isZero();
        assertThat(shown.out() + shown.err()).doesNotContain("t0ken-of-the-run");
        assertThat(row(shown.out().lines().toList(), "master 127.0.0.1:" + source.port())).as(shown.toString()).isNotNull();
    }

    private static List<String> awaitTable(String port, Predicate<String> done, String what) throws InterruptedException {
        return awaitResult(Map.of(), port, r -> r.exitCode() == 0 && done.test(r.out()), what).out().lines().toList();
    }

    /** Runs {@code ferry status --status-port port} every 200 ms until {@code done}, for at most 30 s. */
    private static Cli.Result awaitResult(Map<String, String> env, String port, Predicate<Cli.Result> done, String what,
            String... more) throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("--status-port", port));
        args.addAll(List.of(more));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Cli.Result r;
        do {
            r = StatusCli.run(env, args.toArray(String[]::new));
            if (done.test(r)) return r;
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("ferry status did not show " + what + " within 30 s; last:\n" + r);
    }

    /** The cells of the table row starting with {@code first} (cells are two or more spaces apart), or null. */
    private static List<String> row(List<String> lines, String first) {
        return lines.stream().map(l -> Arrays.asList(l.strip().split(" {2,}"))).filter(c -> c.get(0).equals(first))
                .findFirst().orElse(null);
    }

    private static void set(RedisServer server, String prefix, int keys) {
        try (RespConnection c = RespConnection.open(new HostPort("127.0.0.1", server.port()), ConnectOptions.plain())) {
            for (int i = 0; i < keys; i++) c.callOk("SET", prefix + i, "v" + i);
        }
    }

    private static long checkpointKeys(RedisServer target) {
        String keys = target.cli("KEYS", DatasetDiff.CHECKPOINT_PREFIX + "*").trim();
        return keys.isEmpty() ? 0 : keys.split("\n").length;
    }
}
