package dev.ferry.testkit.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Full sync with tagged chunks and writes during the snapshot, stable journal, ACKs, PARTIAL from the backlog, restart. */
class DragonflyMasterSyncIT {
    @RegisterExtension
    static final RedisServerExtension backing = new RedisServerExtension().flushBeforeEach();
    private static final Duration T = Duration.ofSeconds(20);

    @Test
    void fullSyncThenStableThenPartial() throws Exception {
        var r = backing.get();
        try (DragonflyMaster m = DragonflyMaster.builder(r).flows(2).chunkSize(4096).compression(Compression.LZ4)
                .pauseSnapshotAfter(0).backlogRecords(64).start()) {
            for (int i = 0; i < 50; i++) m.write(0, "SET", "k:" + i, "v" + i);
            String[] hset = new String[2 + 2 * 3000];
            hset[0] = "HSET";
            hset[1] = "big:hash";
            for (int i = 0; i < 3000; i++) {
                hset[2 + 2 * i] = "field-" + i;
                hset[3 + 2 * i] = "value-" + i;
            }
            m.write(0, hset);
            m.write(0, "XADD", "s", "1-1", "a", "1");
            m.write(0, "XGROUP", "CREATE", "s", "g", "0");
            m.write(1, "SET", "db1key", "12345");

            try (ReplicaDriver c = new ReplicaDriver(m.port()); ReplicaDriver f0 = new ReplicaDriver(m.port());
                    ReplicaDriver f1 = new ReplicaDriver(m.port())) {
                String replid = c.handshake()[0];
                f0.send("DFLY FLOW " + replid + " SYNC1 0");
                f1.send("DFLY FLOW " + replid + " SYNC1 1");
                var col = List.of(f0.collect(), f1.collect());
                awaitReplies(col);
                assertThat(c.call("DFLY SYNC SYNC1")).isEqualTo("+OK\r\n");
                m.awaitSnapshotsPaused(T);
                m.write(0, "SET", "new:during", "x"); // not in the snapshot: must arrive as a journal blob
                m.write(0, "SET", "k:1", "changed"); // pending in the snapshot: omitted, the entry carries it
                m.resumeSnapshots();
                m.awaitSnapshotsDone(T);
                assertThat(c.call("DFLY STARTSTABLE SYNC1")).isEqualTo("+OK\r\n");
                m.write(0, "SET", "after", "1");
                m.ping();

                Set<String> keys = new java.util.TreeSet<>();
                long[] offsets = new long[2];
                for (int f = 0; f < 2; f++) {
                    TestStreamParser p = col.get(f).await(0, x -> !x.all(TestStreamParser.Ping.class).isEmpty(), T);
                    assertThat(p.all(TestStreamParser.Eof.class)).hasSize(1);
                    assertThat(col.get(f).reply()).contains(p.all(TestStreamParser.Eof.class).get(0).token());
                    for (var e : p.all(TestStreamParser.Entry.class)) {
                        assertThat(m.flowOf(e.key().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))).isEqualTo(f);
                        keys.add(e.db() + ":" + e.key());
                        if (e.key().equals("k:1")) assertThat(new String(e.value(), 1, 7)).isEqualTo("changed");
                        if (e.key().equals("s")) assertThat(e.type()).isEqualTo(21);
                    }
                    List<String> blobs = p.all(TestStreamParser.JournalBlob.class).stream()
                            .map(b -> TestStreamParser.decodeRecord(b.record()).args().toString()).collect(Collectors.toList());
                    if (f == m.flowOf("new:during")) assertThat(blobs).contains("[SET, new:during, x]");
                    assertThat(blobs).doesNotContain("[SET, k:1, changed]");
                    offsets[f] = p.all(TestStreamParser.JournalOffset.class).get(0).lsn();
                    assertThat(offsets[f]).isEqualTo(m.lsn(f) - (f == m.flowOf("after") ? 1 : 0));
                    if (f == m.flowOf("big:hash")) assertThat(p.all(TestStreamParser.Chunk.class)).hasSizeGreaterThan(3);
                }
                assertThat(p0blobs(col)).isPositive();
                assertThat(keys).hasSize(50 + 3).contains("1:db1key", "0:big:hash", "0:s", "0:k:0").doesNotContain("0:new:during");
                f0.send("REPLCONF ACK " + (m.lsn(0) + 1));
                assertThat(m.awaitAck(0, m.lsn(0) + 1, T)).isTrue();

                // cut, write while disconnected, then PARTIAL resumes exactly at the requested LSN
                long resume0 = m.lsn(0) + 1;
                long resume1 = m.lsn(1) + 1;
                m.cutConnections();
                m.write(0, "SET", "gap:" + 0, "g");
                for (int i = 0; i < 10; i++) m.write(0, "SET", "gap:" + i, "g");
                try (ReplicaDriver c2 = new ReplicaDriver(m.port()); ReplicaDriver g0 = new ReplicaDriver(m.port());
                        ReplicaDriver g1 = new ReplicaDriver(m.port())) {
                    String[] capa = c2.handshake();
                    assertThat(capa[0]).isEqualTo(replid);
                    g0.send("DFLY FLOW " + replid + " " + capa[1] + " 0 " + resume0);
                    g1.send("DFLY FLOW " + replid + " " + capa[1] + " 1 " + resume1);
                    var pc0 = g0.collect();
                    awaitReplies(List.of(pc0, g1.collect()));
                    assertThat(c2.call("DFLY STARTSTABLE " + capa[1])).isEqualTo("+OK\r\n");
                    assertThat(pc0.reply()).startsWith("*2\r\n+PARTIAL");
                    TestStreamParser p = pc0.await(resume0, x -> x.all(TestStreamParser.Record.class).size()
                            + x.all(TestStreamParser.Ping.class).size() >= m.lsn(0) - resume0 + 1, T);
                    var first = p.events.get(0);
                    assertThat(first).isInstanceOf(TestStreamParser.Record.class);
                    assertThat(((TestStreamParser.Record) first).lsn()).isEqualTo(resume0);
                    assertThat(p.events.get(1)).isEqualTo(new TestStreamParser.Lsn(resume0));
                    assertThat(m.partialSyncs()).isEqualTo(1);
                }
                // the backlog holds 64 records: an LSN that fell out of it gets FULL; so does any LSN after a restart
                m.cutConnections();
                for (int i = 0; i < 100; i++) m.write(0, "SET", "flood:" + (i % 3 == 0 ? "a" : "b"), "v");
                try (ReplicaDriver c3 = new ReplicaDriver(m.port()); ReplicaDriver h0 = new ReplicaDriver(m.port())) {
                    String[] capa = c3.handshake();
                    assertThat(h0.call("DFLY FLOW " + replid + " " + capa[1] + " " + m.flowOf("flood:a") + " 1")).startsWith("*2\r\n+FULL");
                }
                m.restart();
                try (ReplicaDriver c4 = new ReplicaDriver(m.port()); ReplicaDriver h0 = new ReplicaDriver(m.port())) {
                    String[] capa = c4.handshake();
                    assertThat(capa[0]).isNotEqualTo(replid);
                    assertThat(h0.call("DFLY FLOW " + replid + " " + capa[1] + " 0 " + resume0)).isEqualTo("-ERR bad master id\r\n");
                    assertThat(h0.call("DFLY FLOW " + capa[0] + " " + capa[1] + " 0 " + resume0)).startsWith("*2\r\n+FULL");
                }
            }
        }
    }

    private static void awaitReplies(List<ReplicaDriver.Collector> flows) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        for (var f : flows) {
            while (f.reply() == null && System.nanoTime() < deadline) Thread.sleep(5);
        }
    }

    private static int p0blobs(List<ReplicaDriver.Collector> col) throws InterruptedException {
        int n = 0;
        for (var c : col) n += c.await(0, x -> true, T).blobsLz4;
        return n;
    }
}
