package dev.ferry.writer;

import static dev.ferry.testkit.Words.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.record.Command;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ShardId;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Words;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live records written several to one guarded block ({@link GuardBatch}) against a real redis-server: the exact
 * commands MONITOR sees, every write applied exactly once while the writer's connections are killed under it, and a
 * block one of whose commands the target refuses as it is queued failing each of its records by name.
 */
class GuardBatchIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension(b -> b
            .user("admin", "on", ">adminpw", "~*", "&*", "+@all")
            .user("nopush", "on", ">pushless", "~*", "&*", "+@all", "-lpush")
            .adminUser("admin", "adminpw")).flushBeforeEach();

    private static final CheckpointKeys KEYS = new CheckpointKeys(CheckpointKeys.DEFAULT_PREFIX);
    private static final ShardId SHARD = ShardId.of(0);
    private static final String REPLID = "0123456789012345678901234567890123456789";

    /** What the writer reported, by key. */
    private static final class Heard implements WriteListener {
        final List<String> failed = new CopyOnWriteArrayList<>();

        @Override public void failed(int db, byte[] key, String reason) { failed.add(Words.text(key) + ": " + reason); }
        @Override public void skipped(int db, byte[] key, String reason) { failed.add("skipped " + Words.text(key)); }
    }

    private static TargetWriter live(String user, String password, Heard heard) {
        RedisServer r = redis.get();
        String auth = user == null ? "admin:adminpw@" : user + ":" + password + "@";
        TargetWriter w = TargetWriter.open(RedisUri.parse("redis://" + auth + r.host() + ":" + r.port()), WriterOptions.defaults(), heard);
        w.useCheckpoints(KEYS);
        w.startLive(SHARD);
        return w;
    }

    private static Command command(int db, long offset, String... words) {
        return new Command(db, cmd(words), new ReplicationOffset(REPLID, offset, db));
    }

    private static RespConnection admin() {
        RespConnection c = RespConnection.open(new HostPort(redis.get().host(), redis.get().port()), ConnectOptions.plain());
        c.callOk("AUTH", "admin", "adminpw");
        return c;
    }

    private static String ckpt() {
        return new String(KEYS.key(0), StandardCharsets.ISO_8859_1);
    }

    @Test
    void consecutiveLiveRecordsShareOneBlockAndItsLastGuard() throws Exception {
        Heard heard = new Heard();
        List<String> seen = new ArrayList<>();
        try (RespConnection monitor = admin(); TargetWriter w = live(null, null, heard)) {
            assertThat(monitor.call("MONITOR").asText()).isEqualTo("OK");
            w.write(SHARD, command(0, 100, "INCR", "a"));
            w.write(SHARD, command(0, 120, "SET", "b", "1")); // an assignment joins the open block, in order
            w.write(SHARD, command(0, 140, "LPUSH", "l", "x"));
            w.write(SHARD, command(3, 160, "INCR", "c")); // another db: a block of its own
            w.drain();
            while (seen.stream().filter(l -> l.endsWith("EXEC")).count() < 2) {
                String line = monitor.reader().read().asText(); // bounded by the connection's read timeout
                String words = line.substring(line.indexOf(']') + 2).replace("\"", "");
                if (!words.startsWith("AUTH") && !words.startsWith("PING") && !words.startsWith("INFO")
                        && !words.startsWith("CLIENT") && !words.startsWith("HGET")) {
                    seen.add(line.substring(line.indexOf('[') + 1, line.indexOf(' ', line.indexOf('['))) + ": " + words);
                }
            }
            assertThat(w.confirmed(SHARD)).isEqualTo(new ReplicationOffset(REPLID, 160, 3));
            assertThat(w.commandsApplied()).isEqualTo(4);
            assertThat(w.guardedBlocks()).isEqualTo(2);
            assertThat(w.guardedRecords()).isEqualTo(4);
        }
        assertThat(seen.subList(seen.indexOf("0: MULTI"), seen.size())).containsExactly(
                "0: MULTI",
                "0: INCR a",
                "0: SET b 1",
                "0: LPUSH l x",
                "0: HSET " + ckpt() + " g:0 140:0",
                "0: EXEC",
                "3: SELECT 3",
                "3: MULTI",
                "3: INCR c",
                "3: HSET " + ckpt() + " g:0 160:0",
                "3: EXEC");
        assertThat(heard.failed).isEmpty();
        RedisServer r = redis.get();
        assertThat(r.cli("GET", "a")).isEqualTo("1");
        assertThat(r.cli("-n", "3", "GET", "c")).isEqualTo("1");
        assertThat(r.cli("LRANGE", "l", "0", "-1")).isEqualTo("x");
    }

    /**
     * Kills the writer's connections every 20 ms while it writes 20,000 increments in blocks, in bursts: each block
     * left unanswered is settled by its guard (applied: answered; not: sent again whole), so every count is exact.
     */
    @Test
    void blocksLeftUnansweredByKilledConnectionsAreAppliedExactlyOnce() throws Exception {
        Heard heard = new Heard();
        int n = 20_000;
        AtomicBoolean stop = new AtomicBoolean();
        long guardsResolved;
        long blocks;
        Thread killer = new Thread(() -> {
            try (RespConnection c = admin()) {
                while (!stop.get()) {
                    c.call("CLIENT", "KILL", "USER", "nopush"); // the writer's own connections (its user), nothing else
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "killer");
        try (TargetWriter w = live("nopush", "pushless", heard)) {
            killer.start();
            for (int i = 1; i <= n; i++) {
                w.write(SHARD, command(0, i * 10L, "INCR", "counter"));
                if (i % 3 == 0) w.write(SHARD, command(0, i * 10L + 5, "APPEND", "log", "."));
                if (i % 500 == 0) {
                    w.flush();
                    Thread.sleep(50); // the run lasts a couple of seconds: kills land mid-block
                }
            }
            stop.set(true);
            killer.join();
            w.drain();
            assertThat(w.failure()).isNull();
            assertThat(w.confirmed(SHARD)).isEqualTo(new ReplicationOffset(REPLID, n * 10L, 0));
            guardsResolved = w.guardsResolved();
            blocks = w.guardedBlocks();
            assertThat(w.guardedRecords()).isEqualTo(n + n / 3);
        }
        assertThat(heard.failed).isEmpty();
        RedisServer r = redis.get();
        assertThat(r.cli("GET", "counter")).isEqualTo(Integer.toString(n));
        assertThat(r.cli("STRLEN", "log")).isEqualTo(Integer.toString(n / 3));
        assertThat(blocks).as("records went several to a block").isLessThan((n + n / 3) / 4);
        assertThat(guardsResolved).as("connections were lost with blocks unanswered").isPositive();
    }

    /** LPUSH is refused as it is queued (the user lacks it): the target discards the block, each record fails by name. */
    @Test
    void aBlockTheTargetDiscardsFailsEachOfItsRecordsByName() throws Exception {
        Heard heard = new Heard();
        try (TargetWriter w = live("nopush", "pushless", heard)) {
            w.write(SHARD, command(0, 10, "INCR", "a"));
            w.write(SHARD, command(0, 20, "LPUSH", "l", "x"));
            w.write(SHARD, command(0, 30, "INCR", "b"));
            w.drain();
            assertThat(w.keysFailed()).isEqualTo(3);
            assertThat(w.confirmed(SHARD)).as("never past a failed write").isNull();
            assertThat(w.committed(SHARD)).isEqualTo(new ReplicationOffset(REPLID, 30, 0));
        }
        assertThat(heard.failed).hasSize(3);
        assertThat(heard.failed.get(0)).startsWith("a: EXECABORT").contains("no record of its block of live writes was applied");
        assertThat(heard.failed.get(1)).startsWith("l: NOPERM");
        assertThat(heard.failed.get(2)).startsWith("b: EXECABORT");
        RedisServer r = redis.get();
        assertThat(r.cli("EXISTS", "a", "b", "l")).isEqualTo("0");
    }

    /**
     * A target out of memory refuses the block's commands as they are queued: none is sent again alone (it would run
     * outside its block, without its guard), each record fails by name and the run stops saying why.
     */
    @Test
    void commandsRefusedInsideABlockAreNeverRetriedAlone() throws Exception {
        Heard heard = new Heard();
        try (RespConnection admin = admin(); TargetWriter w = live(null, null, heard)) {
            admin.callOk("CONFIG", "SET", "maxmemory", "1");
            try {
                w.write(SHARD, command(0, 10, "INCR", "a"));
                w.write(SHARD, command(0, 20, "INCR", "b"));
                w.drain();
            } catch (dev.ferry.util.WriteFailedException expected) {
                // the run stops on the refusal
            }
            assertThat(w.failure()).contains("out of memory");
            w.settle(5_000);
            Thread.sleep(1_500); // longer than a retry's pause: a command retried alone would have landed by now
            admin.callOk("CONFIG", "SET", "maxmemory", "0");
            assertThat(admin.call("EXISTS", "a", "b").asLong()).isZero();
            assertThat(w.confirmed(SHARD)).isNull();
        }
        assertThat(heard.failed).hasSize(2);
        assertThat(heard.failed.get(0)).startsWith("a: OOM");
        assertThat(heard.failed.get(1)).startsWith("b: ");
    }
}
