package dev.ferry.testkit.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Handshake replies in the captured shape, and the real master's refusals. */
class DragonflyMasterProtocolIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension().flushBeforeEach();

    @Test
    void handshakeRepliesHaveTheCapturedShape() throws Exception {
        String captured = new String(Captures.bytes("uncompressed", "conn-0.s2c.bin"), StandardCharsets.US_ASCII);
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).start();
                ReplicaDriver c = new ReplicaDriver(m.port())) {
            StringBuilder ours = new StringBuilder();
            ours.append(c.call("PING")).append(c.call("REPLCONF listening-port 21102")).append(c.call("REPLCONF capa eof capa psync2"));
            ours.append(c.call("REPLCONF capa dragonfly"));
            ours.append(c.call("REPLCONF CLIENT-ID " + "33".repeat(20))).append(c.call("REPLCONF CLIENT-VERSION 5"));
            String normalizedCaptured = captured.substring(0, captured.length() - 10).replaceAll("[0-9a-f]{40}", "<ID>");
            assertThat(ours.toString().replace(m.replid(), "<ID>")).isEqualTo(normalizedCaptured);

            try (ReplicaDriver f = new ReplicaDriver(m.port())) {
                f.send("DFLY FLOW " + m.replid() + " SYNC1 0");
                String reply = f.readReply();
                String capturedFlow = new String(Captures.bytes("uncompressed", "conn-1.s2c.bin"), 0, 54, StandardCharsets.US_ASCII);
                assertThat(reply.replaceAll("[0-9a-f]{40}", "<T>")).isEqualTo(capturedFlow.replaceAll("[0-9a-f]{40}", "<T>"));
            }
        }
    }

    @Test
    void refusesWhatTheRealMasterRefuses() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(2).start();
                ReplicaDriver c = new ReplicaDriver(m.port())) {
            assertThat(c.call("CLIENT-VERSION-BEFORE-SESSION")).startsWith("-ERR unknown command");
            assertThat(c.call("REPLCONF CLIENT-VERSION 5")).startsWith("-ERR");
            String[] capa = c.handshake();
            String replid = capa[0];
            assertThat(capa[1]).isEqualTo("SYNC1");
            assertThat(capa[2]).isEqualTo("2");
            try (ReplicaDriver f = new ReplicaDriver(m.port())) {
                assertThat(f.call("DFLY FLOW " + "0".repeat(40) + " SYNC1 0")).isEqualTo("-ERR bad master id\r\n");
                assertThat(f.call("DFLY FLOW " + replid + " SYNC9 0")).isEqualTo("-ERR syncid not found\r\n");
                assertThat(f.call("DFLY FLOW " + replid + " XYZ 0")).isEqualTo("-ERR bad sync id\r\n");
                assertThat(f.call("DFLY FLOW " + replid + " SYNC1 2")).isEqualTo("-ERR value is not an integer or out of range\r\n");
            }
            assertThat(c.call("DFLY SYNC SYNC1")).as("SYNC before all flows").isEqualTo("-ERR invalid state\r\n");
            assertThat(c.call("DFLY STARTSTABLE SYNC1")).isEqualTo("-ERR invalid state\r\n");
            try (ReplicaDriver f0 = new ReplicaDriver(m.port()); ReplicaDriver f1 = new ReplicaDriver(m.port())) {
                f0.send("DFLY FLOW " + replid + " SYNC1 0 1"); // LSN 1 == next LSN: PARTIAL
                assertThat(f0.readReply()).startsWith("*2\r\n+PARTIAL\r\n+");
                f1.send("DFLY FLOW " + replid + " SYNC1 1");
                assertThat(f1.readReply()).startsWith("*2\r\n+FULL\r\n+");
                assertThat(c.call("DFLY SYNC SYNC1")).as("SYNC after a PARTIAL").isEqualTo("-ERR invalid state\r\n");
                assertThat(c.call("DFLY STARTSTABLE SYNC1")).as("mixed grant").isEqualTo("-ERR invalid state\r\n");
            }
            // the flows closed: the whole session is gone
            Thread.sleep(100);
            assertThat(m.sessionState()).isEqualTo("cancelled");
        }
    }

    @Test
    void flowInTheWrongStateIsRefused() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).flows(1).start();
                ReplicaDriver c = new ReplicaDriver(m.port()); ReplicaDriver f = new ReplicaDriver(m.port());
                ReplicaDriver late = new ReplicaDriver(m.port())) {
            String replid = c.handshake()[0];
            f.send("DFLY FLOW " + replid + " SYNC1 0");
            ReplicaDriver.Collector col = f.collect();
            // the flow must be registered (its FULL reply in) before SYNC, as a real replica waits for it
            long deadline = System.currentTimeMillis() + 10_000;
            while (col.reply() == null && System.currentTimeMillis() < deadline) Thread.sleep(5);
            assertThat(col.reply()).startsWith("*2\r\n+FULL");
            assertThat(c.call("DFLY SYNC SYNC1")).isEqualTo("+OK\r\n");
            assertThat(late.call("DFLY FLOW " + replid + " SYNC1 0")).isEqualTo("-ERR invalid state\r\n");
            col.await(0, p -> !p.all(TestStreamParser.FullSyncEnd.class).isEmpty(), java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    void authIsRequiredOnEveryConnection() throws Exception {
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).password("pw").start();
                ReplicaDriver c = new ReplicaDriver(m.port())) {
            assertThat(c.call("PING")).startsWith("-NOAUTH");
            assertThat(c.call("AUTH nope")).startsWith("-WRONGPASS");
            assertThat(c.call("AUTH pw")).isEqualTo("+OK\r\n");
            String replid = c.handshake()[0];
            try (ReplicaDriver f = new ReplicaDriver(m.port())) {
                assertThat(f.call("DFLY FLOW " + replid + " SYNC1 0")).startsWith("-NOAUTH");
                assertThat(f.call("AUTH default pw")).isEqualTo("+OK\r\n");
            }
        }
        try (DragonflyMaster m = DragonflyMaster.builder(backing.get()).start(); ReplicaDriver c = new ReplicaDriver(m.port())) {
            assertThat(c.call("AUTH pw")).startsWith("-ERR AUTH <password> called without any password configured");
        }
    }
}
