package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.cli.Main;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry cutover} beside a running {@code ferry replicate}, from a standalone source moved by an {@code --exec}
 * hook: a write the source acknowledged is on the target exactly once, the replicate stops by itself, the old master
 * refuses writes; and every failure before the switch (lag, drain timeout, a verify difference, the hook) leaves the
 * source writable and the replicate following it, exit 1.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CutoverIT {
    private final List<RedisServer> servers = new ArrayList<>();
    private final List<AppWriter> writers = new ArrayList<>();
    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        for (AppWriter w : writers) w.stop();
        for (RedisServer s : servers) s.close();
    }

    private RedisServer server(String name) {
        RedisServer s = RedisServer.builder().name(name).start();
        servers.add(s);
        return s;
    }

    /** An application writing {@code RPUSH seq n} to one address, n = 1, 2, ...; it records what was acknowledged. */
    static final class AppWriter implements Runnable {
        final List<Long> acked = new CopyOnWriteArrayList<>();
        volatile String error;
        private volatile boolean stop;
        private final HostPort address;
        private final Thread thread;

        AppWriter(RedisServer server) {
            this.address = new HostPort("127.0.0.1", server.port());
            this.thread = new Thread(this, "app-writer");
            thread.start();
        }

        @Override
        public void run() {
            try (RespConnection c = RespConnection.open(address, ConnectOptions.plain())) {
                for (long n = 1; !stop; n++) {
                    Reply r = c.call("RPUSH", "seq", Long.toString(n));
                    if (r.isError()) {
                        error = r.toString();
                        return;
                    }
                    acked.add(n);
                    if (n % 50 == 0) Thread.sleep(1); // a steady stream, not a flood
                }
            } catch (RuntimeException e) {
                error = String.valueOf(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            stop = true;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private AppWriter app(RedisServer source) {
        AppWriter w = new AppWriter(source);
        writers.add(w);
        return w;
    }

    private static CompletableFuture<Cli.Result> replicate(RedisServer source, RedisServer target) {
        return CompletableFuture.supplyAsync(() -> Cli.run("replicate", "--source", source.uri(), "--target", target.uri(), "-q"));
    }

    /** Waits until the replicate wrote its first confirmed position (its snapshot is on the target). */
    private static void awaitLive(RedisServer target, CompletableFuture<Cli.Result> replicate) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!target.cli("HGET", Datasets.CHECKPOINT_PREFIX + "{1bz}", "at:0").startsWith("repl ")) {
            assertThat(replicate).as("the replicate ended early").isNotDone();
            assertThat(System.currentTimeMillis()).as("replicate live in time").isLessThan(deadline);
            sleep(50);
        }
    }

    /** Runs the cutover; {@code onLine} sees each line as it is printed (on the cutover's own thread). */
    private static Cli.Result cutover(RedisServer source, RedisServer target, Consumer<String> onLine, String... options) {
        List<String> args = new ArrayList<>(List.of("cutover", "--source", source.uri(), "--target", target.uri()));
        args.addAll(List.of(options));
        StringWriter all = new StringWriter();
        Writer lines = new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] buf, int off, int len) {
                all.write(buf, off, len);
                for (int i = off; i < off + len; i++) {
                    if (buf[i] == '\n') {
                        onLine.accept(line.toString());
                        line.setLength(0);
                    } else {
                        line.append(buf[i]);
                    }
                }
            }

            @Override public void flush() { }
            @Override public void close() { }
        };
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(lines, true), new PrintWriter(err, true), args.toArray(String[]::new));
        return new Cli.Result(code, all.toString(), err.toString());
    }

    private static List<Long> list(RedisServer s) {
        List<Long> out = new ArrayList<>();
        String text = s.cli("LRANGE", "seq", "0", "-1").trim();
        if (!text.isEmpty()) for (String n : text.split("\n")) out.add(Long.parseLong(n.trim()));
        return out;
    }

    /** The list on the target holds every acknowledged n exactly once, in order, and nothing else. */
    private static void assertExactlyOnce(List<Long> acked, RedisServer target) {
        List<Long> onTarget = list(target);
        assertThat(onTarget).as("no write twice, none lost, in order").isEqualTo(acked);
    }

    @Test
    void execCutoverMovesEveryAcknowledgedWriteAndStopsTheReplicate() throws Exception {
        RedisServer source = server("src");
        RedisServer target = server("dst");
        source.cli("SET", "before", "1");
        CompletableFuture<Cli.Result> replicate = replicate(source, target);
        awaitLive(target, replicate);
        AppWriter app = app(source);
        sleep(1_000);
        Path moved = tmp.resolve("moved");
        Cli.Result r = cutover(source, target, l -> { },
                "--exec", "echo \"$FERRY_TARGET_HOST:$FERRY_TARGET_PORT\" > " + moved);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Cut over to " + target.uri());
        assertThat(Files.readString(moved).trim()).isEqualTo("127.0.0.1:" + target.port());
        // the key the application wrote since the cutover began was among those compared while paused
        assertThat(r.out()).containsPattern("verified [1-9][0-9,]* recently written keys and a sample of [0-9,]+: equal");
        // the application's connection to the old master was closed at the switch (its write held by the pause
        // never ran), and the old master refuses every later write
        app.stop();
        assertThat(app.error).as("the application was disconnected from the old master").contains("connection closed");
        assertThat(source.cli("SET", "after", "1")).contains("NOREPLICAS");

        Cli.Result rep = replicate.get(30, TimeUnit.SECONDS);
        assertThat(rep.exitCode()).as(rep.toString()).isZero();
        assertThat(rep.out().lines().findFirst().orElse("")).startsWith("Cut over at ");
        assertThat(app.acked.size()).as("the application wrote during the test").isGreaterThan(100);
        assertExactlyOnce(app.acked, target);
        assertThat(Datasets.perKey(target)).isEqualTo(Datasets.perKey(source));
        assertThat(target.cli("--scan", "--pattern", Datasets.CHECKPOINT_PREFIX + "*").trim())
                .as("the checkpoint is removed from what is now the applications' server").isEmpty();
        // the pause the timeline reports: well under the 5 s deadline on loopback
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("writes paused ([0-9]+) ms").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isLessThan(5_000);
    }

    @Test
    void failuresBeforeTheSwitchUndoEverything() throws Exception {
        RedisServer source = server("src");
        RedisServer target = server("dst");
        CompletableFuture<Cli.Result> replicate = replicate(source, target);
        awaitLive(target, replicate);
        AppWriter app = app(source);
        sleep(500);

        // the hook fails: exit 1, unpaused, the replicate goes on
        Cli.Result hook = cutover(source, target, l -> { }, "--exec", "echo no; exit 3");
        assertThat(hook.exitCode()).as(hook.toString()).isEqualTo(1);
        assertThat(hook.out()).contains("Not cut over: --exec exited with 3 (its last output: no)");
        assertUndone(source, target, app, replicate);

        // a verify difference (a key changed on the target behind the replicate's back)
        source.cli("SET", "stable", "source");
        awaitEqual(source, target, "stable");
        target.cli("SET", "stable", "changed");
        Cli.Result verify = cutover(source, target, l -> { }, "--exec", "true", "--verify", "full");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(1);
        assertThat(verify.out()).contains("Not cut over: verify: 1 key(s) differ, e.g. stable in db 0 (value)");
        assertUndone(source, target, app, replicate);
        target.cli("SET", "stable", "source");

        // the lag over --max-lag for all of --wait: the target stops taking writes once the replicate answered
        Cli.Result lag = cutover(source, target, l -> {
            if (l.contains("replicate answered")) target.cli("CLIENT", "PAUSE", "3000", "WRITE");
        }, "--exec", "true", "--max-lag", "300ms", "--wait", "1s");
        assertThat(lag.exitCode()).as(lag.toString()).isEqualTo(1);
        assertThat(lag.out()).contains("Not cut over: the replicate's lag stayed over --max-lag");
        assertUndone(source, target, app, replicate);

        // the drain times out: the target stops taking writes right as the source is paused
        Cli.Result drain = cutover(source, target, l -> {
            if (l.contains("writes paused on")) target.cli("CLIENT", "PAUSE", "3000", "WRITE");
        }, "--exec", "true", "--max-pause", "1s");
        assertThat(drain.exitCode()).as(drain.toString()).isEqualTo(1);
        assertThat(drain.out()).contains("Not cut over: the target did not catch up within --max-pause 1000 ms");
        assertUndone(source, target, app, replicate);

        // after all that, the same cutover goes through
        Cli.Result ok = cutover(source, target, l -> { }, "--exec", "true");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        app.stop();
        assertThat(replicate.get(30, TimeUnit.SECONDS).exitCode()).isZero();
        assertExactlyOnce(app.acked, target);
    }

    /** The source takes writes, the application is still writing, the replicate still follows into the target. */
    private void assertUndone(RedisServer source, RedisServer target, AppWriter app, CompletableFuture<Cli.Result> replicate) {
        assertThat(app.error).as("the application kept writing").isNull();
        assertThat(source.cli("SET", "probe", "x")).isEqualTo("OK");
        String marker = Long.toString(System.nanoTime());
        source.cli("SET", "probe", marker);
        awaitEqual(source, target, "probe");
        assertThat(target.cli("GET", "probe")).isEqualTo(marker);
        assertThat(replicate).isNotDone();
        assertThat(target.cli("HGET", Datasets.CHECKPOINT_PREFIX + "{1bz}", "cutover")).as("the request is gone").isEmpty();
    }

    private static void awaitEqual(RedisServer source, RedisServer target, String key) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!source.cli("GET", key).equals(target.cli("GET", key))) {
            assertThat(System.currentTimeMillis()).as(key + " replicated in time").isLessThan(deadline);
            sleep(20);
        }
    }

    /**
     * The way back: with --reverse the cutover keeps the old master writable and replicates the target into it; a
     * write on the target reaches the old source, and a second cutover (target to old source) moves everything back,
     * ending the reverse copy by itself.
     */
    @Test
    void reverseCopiesTheTargetBackAndASecondCutoverMovesBack() throws Exception {
        RedisServer source = server("src");
        RedisServer target = server("dst");
        source.cli("SET", "before", "1");
        CompletableFuture<Cli.Result> replicate = replicate(source, target);
        awaitLive(target, replicate);
        AppWriter app = app(source);
        sleep(500);
        CompletableFuture<Cli.Result> forward = CompletableFuture.supplyAsync(() -> Cli.run("cutover", "--source",
                source.uri(), "--target", target.uri(), "--exec", "true", "--reverse"));
        assertThat(replicate.get(60, TimeUnit.SECONDS).exitCode()).isZero();
        app.stop();
        assertThat(app.error).contains("connection closed");
        assertExactlyOnce(app.acked, target);

        // the applications now write on the target: the old source gets their writes back
        target.cli("SET", "written-after", "on-target");
        target.cli("RPUSH", "seq", "-1");
        long deadline = System.currentTimeMillis() + 60_000;
        while (!"on-target".equals(source.cli("GET", "written-after"))) {
            assertThat(forward).as("the reverse copy runs").isNotDone();
            assertThat(System.currentTimeMillis()).as("the target's write reached the old source").isLessThan(deadline);
            sleep(50);
        }
        String expected = Long.toString(app.acked.size() + 1);
        while (!expected.equals(source.cli("LLEN", "seq"))) {
            assertThat(System.currentTimeMillis()).as("the target's RPUSH reached the old source").isLessThan(deadline);
            sleep(20);
        }
        assertThat(list(source)).isEqualTo(list(target));

        // the second cutover, back: the reverse copy stops by itself, and the old source is the master again
        Cli.Result back = Cli.run("cutover", "--source", target.uri(), "--target", source.uri(), "--exec", "true");
        assertThat(back.exitCode()).as(back.toString()).isZero();
        Cli.Result f = forward.get(30, TimeUnit.SECONDS);
        assertThat(f.exitCode()).as(f.toString()).isZero();
        assertThat(f.out()).contains("Reverse: replicating " + target.uri() + " back into the old source " + source.uri())
                .contains("Reverse replicate: cut over back at ");
        assertThat(Datasets.perKey(source)).isEqualTo(Datasets.perKey(target));
        assertThat(target.cli("SET", "x", "1")).contains("NOREPLICAS");
        assertThat(source.cli("SET", "x", "1")).isEqualTo("OK");
    }

    @Test
    void dryRunPausesAndSwitchesNothing() {
        RedisServer source = server("src");
        RedisServer target = server("dst");
        CompletableFuture<Cli.Result> replicate = replicate(source, target);
        awaitLive(target, replicate);
        AppWriter app = app(source);
        sleep(300);
        Cli.Result r = cutover(source, target, l -> { }, "--dry-run");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Dry run: a cutover could go ahead now").contains("a cutover would pause writes on 127.0.0.1:"
                + source.port());
        // the key the application keeps writing never reads equal without the pause: said, not failed
        assertThat(r.out()).contains("1 key(s) read different in each of 3 rounds while the source kept writing, e.g. seq");
        assertThat(r.out()).doesNotContain("writes paused on");
        assertUndone(source, target, app, replicate);
    }

    @Test
    void withoutALiveReplicateOrAMoveNothingHappens() {
        RedisServer source = server("src");
        RedisServer target = server("dst");
        Cli.Result none = Cli.run("cutover", "--source", source.uri(), "--target", target.uri(), "--exec", "true");
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
        assertThat(none.err()).contains("holds no checkpoint of a `ferry replicate`");
        Cli.Result how = Cli.run("cutover", "--source", source.uri(), "--target", target.uri());
        assertThat(how.exitCode()).isEqualTo(2);
        assertThat(how.err()).contains("nothing would move the applications");
        Cli.Result same = Cli.run("cutover", "--source", source.uri(), "--target", "redis://localhost:" + source.port(), "--exec", "true");
        assertThat(same.exitCode()).as(same.toString()).isEqualTo(2);
        assertThat(same.err()).contains("are the same server");

        // a replicate that ran and stopped: its checkpoint is there, but nobody answers
        CompletableFuture<Cli.Result> replicate = replicate(source, target);
        awaitLive(target, replicate);
        Cli.interrupt();
        assertThat(replicate.join().exitCode()).isZero();
        Cli.Result gone = Cli.run("cutover", "--source", source.uri(), "--target", target.uri(), "--exec", "true");
        assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(1);
        assertThat(gone.out()).contains("no `ferry replicate` into this target answered within 3 s");
        assertThat(source.cli("SET", "k", "v")).isEqualTo("OK");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
