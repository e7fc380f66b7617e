package dev.ferry.writer;

import static dev.ferry.testkit.Words.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.record.Command;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ShardId;
import dev.ferry.resp.RedisUri;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection lost after the target ran what it was sent, but before its replies arrived: the case a CLIENT KILL
 * under load makes now and then (TargetCutIT once ended with a key's TTL gone). An assignment sent before a guarded
 * block was sent again after the block had run, and undid what the block did to its key (a PEXPIREAT that had joined
 * the block). A proxy between the writer and a real redis-server
 * swallows the replies, then cuts the connection; the writer must not send again what the target ran.
 */
class LostRepliesIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension(b -> b.name("lost-replies")).flushBeforeEach();

    private static final CheckpointKeys KEYS = new CheckpointKeys(CheckpointKeys.DEFAULT_PREFIX);
    private static final ShardId SHARD = ShardId.of(0);
    private static final String REPLID = "0123456789012345678901234567890123456789";

    private static Command command(long offset, String... words) {
        return new Command(0, cmd(words), new ReplicationOffset(REPLID, offset, 0));
    }

    @Test
    void anAssignmentThatRanBeforeAnAppliedBlockIsNotSentAgainAfterIt() throws Exception {
        RedisServer r = redis.get();
        List<String> failed = new CopyOnWriteArrayList<>();
        WriteListener heard = new WriteListener() {
            @Override public void failed(int db, byte[] key, String reason) { failed.add(new String(key) + ": " + reason); }
            @Override public void skipped(int db, byte[] key, String reason) { failed.add("skipped " + new String(key)); }
        };
        long at = System.currentTimeMillis() + 3_600_000;
        try (ReplySwallowingProxy proxy = new ReplySwallowingProxy(r.port());
             TargetWriter w = TargetWriter.open(RedisUri.parse("redis://127.0.0.1:" + proxy.port()), WriterOptions.defaults(), heard)) {
            w.useCheckpoints(KEYS);
            w.startLive(SHARD);
            w.write(SHARD, command(100, "SET", "k", "v1")); // an assignment: goes plain (no block is open)
            w.drain();
            proxy.swallowReplies();
            w.write(SHARD, command(200, "SET", "k", "v2"));
            w.write(SHARD, command(250, "INCR", "n")); // not an assignment: opens a guarded block
            w.write(SHARD, command(300, "PEXPIREAT", "k", Long.toString(at))); // an assignment joins the open block
            w.flush();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!r.cli("PTTL", "k").startsWith("3")) { // both ran on the target; their replies are gone
                assertThat(System.currentTimeMillis()).as("the target runs what was sent").isLessThan(deadline);
                Thread.sleep(5);
            }
            proxy.cut(); // the writer reconnects through the proxy, which passes replies again
            w.drain();
            assertThat(w.confirmed(SHARD)).isEqualTo(new ReplicationOffset(REPLID, 300, 0));
            assertThat(w.commandsApplied()).isEqualTo(4);
            assertThat(w.guardsResolved()).as("the block settled by its guard").isEqualTo(1);
        }
        assertThat(failed).isEmpty();
        assertThat(r.cli("GET", "k")).isEqualTo("v2");
        assertThat(r.cli("GET", "n")).as("the block ran once").isEqualTo("1");
        assertThat(Long.parseLong(r.cli("PEXPIRETIME", "k"))).as("the TTL the block set").isEqualTo(at);
    }

    /** Loopback TCP proxy to one port; it can drop every reply, then close every connection it holds. */
    private static final class ReplySwallowingProxy implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final int to;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private volatile boolean swallow;

        ReplySwallowingProxy(int to) throws IOException {
            this.to = to;
            Thread t = new Thread(this::accept, "proxy-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        void swallowReplies() {
            swallow = true;
        }

        /** Closes every connection; those made after pass replies again. */
        void cut() throws IOException {
            swallow = false;
            for (Socket s : open) s.close();
            open.clear();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), to);
                    open.add(client);
                    open.add(upstream);
                    pump(client.getInputStream(), upstream.getOutputStream(), false);
                    pump(upstream.getInputStream(), client.getOutputStream(), true);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(InputStream in, OutputStream out, boolean replies) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        if (replies && swallow) continue;
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // the connection was cut
                }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            cut();
        }
    }
}
