package dev.ferry.testkit.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.resp.Reply;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What `ferry cutover` asks of a Dragonfly source, over real sockets: INFO replication, CLIENT PAUSE/UNPAUSE holding
 * the application's writes (made through {@link DragonflyMaster#write}), DFLY REPLICAOFFSET during a pause, CLIENT
 * LIST/KILL, and REPLICAOF demoting the master so that writes are refused.
 */
class DragonflyMasterCutoverIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension().flushBeforeEach();
    /** Stands for the cutover's target: the server the old master is told to follow. */
    @RegisterExtension
    static final RedisServerExtension newMaster = new RedisServerExtension().flushBeforeEach();

    @Test
    void infoReplicationAsAMasterListsItsReplicas() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(2).start();
                ReplicaDriver c = new ReplicaDriver(m.port())) {
            assertThat(c.call("INFO replication")).isEqualTo(bulk("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                    + "master_replid:" + m.replid() + "\r\n"));
            try (ReplicaDriver r = new ReplicaDriver(m.port())) {
                r.handshake(); // announces listening-port 6380
                assertThat(c.call("INFO REPLICATION")).isEqualTo(bulk("# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
                        + "slave0:ip=127.0.0.1,port=6380,state=preparation,lag=0\r\nmaster_replid:" + m.replid() + "\r\n"));
            }
            // engine detection's INFO is unchanged
            assertThat(c.call("INFO server")).contains("dragonfly_version:df-v1.40.0\r\n");
            assertThat(c.call("INFO")).contains("dragonfly_version:").doesNotContain("# Replication");
        }
    }

    @Test
    void pauseWriteHoldsWritesUntilUnpauseWhileOffsetsAreStillAnswered() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(2).start();
                ReplicaDriver c = new ReplicaDriver(m.port()); ReplicaDriver replica = new ReplicaDriver(m.port())) {
            replica.handshake(); // a session starts the journal, so REPLICAOFFSET shows LSNs
            assertThat(m.write(0, "SET", "before", "1")).isEqualTo(Reply.OK);
            String offsets = "*2\r\n:" + (m.lsn(0) + 1) + "\r\n:" + (m.lsn(1) + 1) + "\r\n";

            assertThat(c.call("CLIENT PAUSE 600000 WRITE")).isEqualTo("+OK\r\n");
            assertThat(m.paused()).isTrue();
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Reply> result = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                result.set(m.write(0, "SET", "held", "v"));
                events.add("write returned");
            }, "application-write");
            writer.start();
            awaitBlocked(writer);

            assertThat(c.call("DFLY REPLICAOFFSET")).as("reads are not paused").isEqualTo(offsets);
            assertThat(backing.get().cli("EXISTS", "held")).isEqualTo("0");
            events.add("unpause sent");
            assertThat(c.call("CLIENT UNPAUSE")).isEqualTo("+OK\r\n");
            writer.join(30_000);
            assertThat(writer.isAlive()).as("write still held after UNPAUSE").isFalse();
            assertThat(events).containsExactly("unpause sent", "write returned");
            assertThat(result.get()).isEqualTo(Reply.OK);
            assertThat(backing.get().cli("GET", "held")).isEqualTo("v");
            assertThat(m.paused()).isFalse();
            assertThat(c.call("DFLY REPLICAOFFSET")).isEqualTo("*2\r\n:" + (m.lsn(0) + 1) + "\r\n:" + (m.lsn(1) + 1) + "\r\n");
        }
    }

    @Test
    void pauseEndsByItselfAtItsDeadline() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).start(); ReplicaDriver c = new ReplicaDriver(m.port())) {
            long sent = System.nanoTime();
            assertThat(c.call("CLIENT PAUSE 3000 WRITE")).isEqualTo("+OK\r\n");
            AtomicReference<Long> returnedAt = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                m.write(0, "SET", "late", "v");
                returnedAt.set(System.nanoTime());
            }, "application-write");
            writer.start();
            awaitBlocked(writer);
            writer.join(30_000);
            assertThat(writer.isAlive()).as("write still held past the pause's deadline").isFalse();
            // the server's deadline counts from after the PAUSE was sent: the write cannot have gone earlier
            assertThat(returnedAt.get() - sent).isGreaterThanOrEqualTo(3_000_000_000L);
            assertThat(backing.get().cli("GET", "late")).isEqualTo("v");
            assertThat(m.paused()).isFalse();
            // a pause without a mode pauses everything; its argument forms
            assertThat(c.call("CLIENT PAUSE 1")).isEqualTo("+OK\r\n");
            assertThat(c.call("CLIENT PAUSE 1 ALL")).isEqualTo("+OK\r\n");
            assertThat(c.call("CLIENT PAUSE 1 READ")).isEqualTo("-ERR syntax error\r\n");
            assertThat(c.call("CLIENT PAUSE x WRITE")).isEqualTo("-ERR value is not an integer or out of range\r\n");
            assertThat(c.call("CLIENT UNPAUSE now")).isEqualTo("-ERR syntax error\r\n");
        }
    }

    @Test
    void clientListShowsTheConnectionsAndKillByIdClosesOne() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).start();
                ReplicaDriver c = new ReplicaDriver(m.port()); ReplicaDriver other = new ReplicaDriver(m.port());
                ReplicaDriver replica = new ReplicaDriver(m.port())) {
            assertThat(c.call("CLIENT KILL TYPE normal")).isEqualTo("-ERR syntax error\r\n");
            String me = id(c.call("CLIENT ID"));
            String otherId = id(other.call("CLIENT ID"));
            replica.handshake();
            String list = body(c.call("CLIENT LIST"));
            assertThat(list).endsWith("\n");
            String[] lines = list.split("\n");
            assertThat(lines).hasSize(3);
            String line = "id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:" + m.port() + " fd=\\d+ name=%s tid=\\d+ irqmatch=0"
                    + " age=\\d+ idle=\\d+ tot-cmds=\\d+ tot-net-in=0 tot-read-calls=0 tot-dispatches=0 db=0 phase=%s"
                    + " lib-name= lib-ver=";
            assertThat(lines[0]).startsWith("id=" + me + " ").matches(String.format(line, "", "process"));
            assertThat(lines[1]).startsWith("id=" + otherId + " ").matches(String.format(line, "", "readsock"));
            assertThat(lines[2]).matches(String.format(line, "repl_ctrl_1", "readsock"));

            assertThat(c.call("CLIENT KILL ID " + otherId)).isEqualTo(":1\r\n");
            assertThatThrownBy(other::readReply).isInstanceOf(IOException.class);
            assertThat(c.call("CLIENT KILL ID 99999")).isEqualTo(":0\r\n");
            assertThat(c.call("CLIENT KILL ID x")).isEqualTo("-ERR syntax error\r\n");

            // killing a replica's connection ends its session
            String replicaId = lines[2].substring(3, lines[2].indexOf(' '));
            assertThat(c.call("CLIENT KILL ID " + replicaId)).isEqualTo(":1\r\n");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (body(c.call("CLIENT LIST")).split("\n").length != 1 || !m.sessionState().equals("cancelled")) {
                if (System.nanoTime() > deadline) throw new AssertionError("killed connections still listed: " + c.call("CLIENT LIST"));
                Thread.sleep(10);
            }
        }
    }

    @Test
    void replicaOfDemotesTheMasterAndNoOnePromotesItBack() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(2).start(); ReplicaDriver c = new ReplicaDriver(m.port())) {
            assertThat(m.write(0, "SET", "k", "1")).isEqualTo(Reply.OK);
            long lsn0 = m.lsn(0);
            long lsn1 = m.lsn(1);
            int closedPort;
            try (ServerSocket s = new ServerSocket(0)) {
                closedPort = s.getLocalPort();
            }
            assertThat(c.call("REPLICAOF 127.0.0.1 " + closedPort)).isEqualTo("-ERR could not connect to master: Connection refused\r\n");
            assertThat(m.isReplica()).isFalse();
            assertThat(c.call("REPLICAOF 127.0.0.1 0")).isEqualTo("-ERR port is out of range\r\n");
            assertThat(c.call("REPLICAOF NO")).isEqualTo("-ERR wrong number of arguments for 'replicaof' command\r\n");

            String host = newMaster.get().host();
            int port = newMaster.get().port();
            assertThat(c.call("REPLICAOF " + host + " " + port)).isEqualTo("+OK\r\n");
            assertThat(m.isReplica()).isTrue();
            assertThat(m.write(0, "SET", "k", "2")).isEqualTo(new Reply.Error("READONLY You can't write against a read only replica."));
            assertThat(m.transaction(0, new String[] {"SET", "a", "1"})).containsExactly(new Reply.Error(DragonflyMaster.READONLY_ERROR));
            // a real replica's full sync from its new master starts with a journaled FLUSHALL on every shard
            assertThat(m.lsn(0)).isEqualTo(lsn0 + 1);
            assertThat(m.lsn(1)).isEqualTo(lsn1 + 1);
            assertThat(body(c.call("INFO replication"))).matches("# Replication\r\nrole:slave\r\nmaster_host:" + host.replace(".", "\\.")
                    + "\r\nmaster_port:" + port + "\r\nmaster_link_status:up\r\nmaster_last_io_seconds_ago:\\d+\r\n"
                    + "master_sync_in_progress:0\r\nmaster_replid:\r\nslave_priority:100\r\nslave_read_only:1\r\n"
                    + "psync_attempts:0\r\npsync_successes:0\r\n");
            assertThat(c.call("ROLE")).startsWith("*4\r\n$5\r\nslave\r\n");

            assertThat(c.call("SLAVEOF no one")).isEqualTo("+OK\r\n");
            assertThat(m.isReplica()).isFalse();
            assertThat(body(c.call("INFO replication"))).isEqualTo("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                    + "master_replid:" + m.replid() + "\r\n");
            assertThat(m.write(0, "SET", "k", "3")).isEqualTo(Reply.OK);
            assertThat(backing.get().cli("GET", "k")).isEqualTo("3");
        }
    }

    @Test
    void writesHeldByAPauseAreRefusedOnceTheMasterWasDemoted() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).start(); ReplicaDriver c = new ReplicaDriver(m.port())) {
            assertThat(c.call("CLIENT PAUSE 600000 WRITE")).isEqualTo("+OK\r\n");
            AtomicReference<Reply> result = new AtomicReference<>();
            Thread writer = new Thread(() -> result.set(m.write(0, "SET", "k", "v")), "application-write");
            writer.start();
            awaitBlocked(writer);
            assertThat(c.call("REPLICAOF " + newMaster.get().host() + " " + newMaster.get().port())).as("REPLICAOF is not a paused write")
                    .isEqualTo("+OK\r\n");
            assertThat(c.call("CLIENT UNPAUSE")).isEqualTo("+OK\r\n");
            writer.join(30_000);
            assertThat(writer.isAlive()).isFalse();
            assertThat(result.get()).isEqualTo(new Reply.Error(DragonflyMaster.READONLY_ERROR));
            assertThat(backing.get().cli("EXISTS", "k")).isEqualTo("0");
        }
    }

    /** Waits until the thread sits in the pause's wait (a timed wait on the master's condition). */
    private static void awaitBlocked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != Thread.State.TIMED_WAITING) {
            if (!t.isAlive() || System.nanoTime() > deadline) throw new AssertionError("the write was not held by the pause: " + t.getState());
            Thread.sleep(5);
        }
    }

    private static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    /** A bulk reply's content. */
    private static String body(String reply) {
        return reply.substring(reply.indexOf("\r\n") + 2, reply.length() - 2);
    }

    private static String id(String intReply) {
        assertThat(intReply).startsWith(":");
        return intReply.substring(1, intReply.length() - 2);
    }
}
