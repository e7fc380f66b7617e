package dev.ferry.writer;

import static dev.ferry.testkit.Words.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.checkpoint.Guard;
import dev.ferry.command.ParsedCommand;
import dev.ferry.record.Command;
import dev.ferry.record.ShardId;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.RedisServerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exact commands a pipelined connection writes for guarded blocks (a write plus its checkpoint HSET in one
 * MULTI/EXEC) into dbs other than the connection's current one, as a real redis-server's MONITOR sees them: the
 * SELECT comes before MULTI, never inside it (Dragonfly refuses SELECT inside a transaction and runs the rest in the
 * connection's db), and the guard goes into the checkpoint key of the write's own db. And the SELECT a group of SETs
 * needs is counted like any command, so the connection's count of unanswered commands comes back to 0.
 */
class GuardedBlockSequenceTest {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension().flushBeforeEach();

    private static final CheckpointKeys KEYS = new CheckpointKeys(CheckpointKeys.DEFAULT_PREFIX);
    private static final ShardId SHARD = new ShardId(0, 0);

    private static HostPort address() {
        return new HostPort(redis.get().host(), redis.get().port());
    }

    /** MONITOR lines up to and including the {@code count}-th EXEC, as "db: command words". */
    private static List<String> monitored(RespConnection monitor, int count) throws Exception {
        List<String> out = new ArrayList<>();
        int execs = 0;
        while (execs < count) {
            String line = monitor.reader().read().asText(); // bounded by the connection's read timeout
            // +1733493600.123456 [3 127.0.0.1:4242] "SELECT" "3"
            int open = line.indexOf('[');
            int space = line.indexOf(' ', open);
            String db = line.substring(open + 1, space);
            String command = line.substring(line.indexOf(']') + 2).replace("\"", "");
            out.add(db + ": " + command);
            if (command.equals("EXEC")) execs++;
        }
        return out;
    }

    @Test
    void aGuardedBlockSelectsItsDbBeforeMultiAndGuardsInThatDb() throws Exception {
        Guards guards = new Guards(false);
        guards.use(KEYS);
        List<Reply> replies = new CopyOnWriteArrayList<>();
        String ckpt = new String(KEYS.key(0), java.nio.charset.StandardCharsets.ISO_8859_1);
        try (RespConnection monitor = RespConnection.open(address(), ConnectOptions.plain());
             PipelinedConnection conn = new PipelinedConnection(RespConnection.open(address(), ConnectOptions.plain()), 100,
                     new PipelinedConnection.ReplyHandler() {
                         @Override public void onReply(PipelinedConnection from, Pending command, Reply reply) { replies.add(reply); }
                         @Override public void onBroken(PipelinedConnection from, String why) { }
                         @Override public void onGroupRefused(PipelinedConnection from, Pending[] m, Reply.Error e) {
                             throw new AssertionError("no SET is grouped here");
                         }
                     }, "test-replies", new LongAdder())) {
            assertThat(monitor.call("MONITOR").asText()).isEqualTo("OK");
            // one live command in db 3, then a source MULTI/EXEC block in db 5, each guarded
            CommandShaper.Piece incr = CommandShaper.command(false, 3, ParsedCommand.of(cmd("INCR", "counter"))).get(0);
            conn.sendBlock(guards.guarded(incr, SHARD, new Guard(7, 0), null));
            CommandShaper.Piece block = CommandShaper.transaction(false, false, List.of(
                    new Command(5, cmd("RPUSH", "list", "a"), null), new Command(5, cmd("INCR", "counter"), null))).pieces().get(0);
            conn.sendBlock(guards.guarded(block, SHARD, new Guard(8, 0), null));
            conn.flush();

            assertThat(monitored(monitor, 2)).containsExactly(
                    "3: SELECT 3", // MONITOR shows a SELECT in the db it selected
                    "3: MULTI",
                    "3: INCR counter",
                    "3: HSET " + ckpt + " g:0 7:0",
                    "3: EXEC",
                    "5: SELECT 5",
                    "5: MULTI",
                    "5: RPUSH list a",
                    "5: INCR counter",
                    "5: HSET " + ckpt + " g:0 8:0",
                    "5: EXEC");
        }
        // what the target holds: each write and its guard in the write's db
        assertThat(redis.get().cli("-n", "3", "GET", "counter")).isEqualTo("1");
        assertThat(redis.get().cli("-n", "3", "HGET", ckpt, "g:0")).isEqualTo("7:0");
        assertThat(redis.get().cli("-n", "5", "LRANGE", "list", "0", "-1")).isEqualTo("a");
        assertThat(redis.get().cli("-n", "5", "GET", "counter")).isEqualTo("1");
        assertThat(redis.get().cli("-n", "5", "HGET", ckpt, "g:0")).isEqualTo("8:0");
        assertThat(redis.get().cli("-n", "0", "DBSIZE")).isEqualTo("0");
    }

    @Test
    void setsGroupedIntoAnotherDbCountTheirSelectSoNothingStaysInFlight() throws Exception {
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        try (PipelinedConnection conn = new PipelinedConnection(RespConnection.open(address(), ConnectOptions.plain()), 100,
                new PipelinedConnection.ReplyHandler() {
                    @Override public void onReply(PipelinedConnection from, Pending command, Reply reply) { answered.incrementAndGet(); }
                    @Override public void onBroken(PipelinedConnection from, String why) { }
                         @Override public void onGroupRefused(PipelinedConnection from, Pending[] m, Reply.Error e) {
                             throw new AssertionError("no SET is grouped here");
                         }
                }, "test-replies", new LongAdder())) {
            for (int i = 0; i < 3; i++) {
                conn.send(new Pending(cmd("SET", "k" + i, "v" + i), null, 4, Pending.GROUPABLE));
            }
            conn.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            // waits for the SELECT's and the three SETs' answers (the MSET answers each SET), at most 10 s
            while (answered.get() < 4 && System.nanoTime() < deadline) Thread.sleep(1);
            assertThat(answered.get()).isEqualTo(4);
            assertThat(conn.inFlight()).as("what the writer's drain waits to see at 0").isZero();
        }
        assertThat(redis.get().cli("-n", "4", "MGET", "k0", "k1", "k2")).isEqualTo("v0\nv1\nv2");
    }
}
