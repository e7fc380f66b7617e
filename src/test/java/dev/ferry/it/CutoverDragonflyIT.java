package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.Reply;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.DragonflyMaster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leaving Dragonfly: a Dragonfly master (the protocol-faithful emulator, 4 flows) followed into Redis by a running
 * {@code ferry replicate}, an application writing all along, and {@code ferry cutover --exec}: every flow is drained
 * to the journal LSN the master reports ({@code DFLY REPLICAOFFSET}) while its writes are paused, the replicate
 * stops, and the old master becomes a replica of the target, refusing writes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CutoverDragonflyIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension(b -> b.name("dragonfly-data")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    @Test
    void aDragonflyMasterIsCutOverIntoRedis() throws Exception {
        RedisServer t = target.get();
        try (DragonflyMaster master = DragonflyMaster.builder(backing.get()).flows(4).start()) {
            for (int i = 0; i < 200; i++) master.write(0, "SET", "k" + i, "v" + i);
            CompletableFuture<Cli.Result> replicate = CompletableFuture.supplyAsync(() -> Cli.run("replicate", "--source",
                    "dragonfly://127.0.0.1:" + master.port(), "--target", t.uri(), "-q"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (true) {
                String fields = t.cli("HKEYS", Datasets.CHECKPOINT_PREFIX + "{1bz}");
                if (fields.contains("at:0") && fields.contains("at:1") && fields.contains("at:2") && fields.contains("at:3")) break;
                assertThat(replicate).as("the replicate ended early").isNotDone();
                assertThat(System.currentTimeMillis()).as("replicate live in time").isLessThan(deadline);
                Thread.sleep(50);
            }

            // the application: RPUSH seq n through the master, n = 1, 2, ...; a write the pause holds just waits
            List<Long> acked = new CopyOnWriteArrayList<>();
            List<String> refused = new CopyOnWriteArrayList<>();
            Thread app = new Thread(() -> {
                for (long n = 1; refused.isEmpty(); n++) {
                    Reply r = master.write(0, "RPUSH", "seq", Long.toString(n));
                    if (r.isError()) refused.add(r.toString());
                    else acked.add(n);
                    if (n % 20 == 0) sleep(1);
                }
            }, "dragonfly-app");
            app.start();
            Thread.sleep(800);

            // --verify none: the emulator speaks Dragonfly's replication, not its data commands (TYPE, SCAN...), so
            // verify cannot read it; this test compares the target with the emulator's data value by value instead
            Cli.Result r = Cli.run("cutover", "--source", "dragonfly://127.0.0.1:" + master.port(), "--target", t.uri(),
                    "--exec", "true", "--verify", "none");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            for (int flow = 0; flow < 4; flow++) {
                assertThat(r.out()).contains("final position 127.0.0.1:" + master.port() + " flow " + flow + ": LSN "
                        + String.format(java.util.Locale.ROOT, "%,d", master.lsn(flow)));
            }
            app.join(10_000);
            assertThat(master.isReplica()).as("the old master is a replica of the target now").isTrue();
            assertThat(refused).as("the application's next write was refused").first().asString()
                    .contains(DragonflyMaster.READONLY_ERROR);

            Cli.Result rep = replicate.get(30, TimeUnit.SECONDS);
            assertThat(rep.exitCode()).as(rep.toString()).isZero();
            assertThat(rep.out().lines().findFirst().orElse("")).startsWith("Cut over at ");

            assertThat(acked.size()).isGreaterThan(100);
            List<Long> onTarget = new ArrayList<>();
            for (String n : t.cli("LRANGE", "seq", "0", "-1").trim().split("\n")) onTarget.add(Long.parseLong(n.trim()));
            assertThat(onTarget).as("every acknowledged write exactly once, in order").isEqualTo(acked);
            for (int i = 0; i < 200; i++) assertThat(t.cli("GET", "k" + i)).isEqualTo("v" + i);
            assertThat(t.cli("--scan", "--pattern", Datasets.CHECKPOINT_PREFIX + "*").trim()).isEmpty();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
