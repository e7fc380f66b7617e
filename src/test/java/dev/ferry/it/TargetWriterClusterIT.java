package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.rdb.DumpPayload;
import dev.ferry.record.FileOffset;
import dev.ferry.record.KeyValue;
import dev.ferry.record.ShardId;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RespConnection;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.writer.WriterOptions;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The writer follows a cluster whose slots move while it writes: MOVED updates its map and resends, ASK
 * sends ASKING plus the command to the importing node once. Slots are moved by hand with CLUSTER SETSLOT.
 */
class TargetWriterClusterIT {
    private static final ShardId SHARD = ShardId.of(0);

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KeyValue string(String key, String value, long offset) {
        byte[] payload = DumpPayload.string(b(value));
        return new KeyValue(0, b(key), 0, -1, payload, 10, new FileOffset(offset));
    }

    private static int slot(RedisCluster c, String key) {
        return Integer.parseInt(c.masters().get(0).cli("CLUSTER", "KEYSLOT", key).trim());
    }

    private static RedisServer owner(RedisCluster c, int slot) {
        for (RedisServer m : c.masters()) {
            try (RespConnection conn = Datasets.connect(m)) {
                if (conn.call("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)).asLong() >= 0
                        && m.cli("CLUSTER", "NODES").lines().anyMatch(l -> l.contains("myself") && ownsSlot(l, slot))) {
                    return m;
                }
            }
        }
        throw new AssertionError("no owner for slot " + slot);
    }

    private static boolean ownsSlot(String nodesLine, int slot) {
        String[] f = nodesLine.split(" ");
        for (int i = 8; i < f.length; i++) {
            if (f[i].startsWith("[")) continue;
            String[] range = f[i].split("-");
            int lo = Integer.parseInt(range[0]);
            int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
            if (slot >= lo && slot <= hi) return true;
        }
        return false;
    }

    private static String id(RedisServer s) {
        return s.cli("CLUSTER", "MYID").trim();
    }

    private static void assign(RedisCluster c, int slot, RedisServer to) {
        for (RedisServer m : c.masters()) m.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", id(to));
    }

    @Test
    void movedSlotIsFollowedAndAskIsAnsweredWithAsking() throws Exception {
        RedisCluster c = cluster.get();
        String movedKey = "ferry:moved";
        String askKey = "ferry:ask";
        int movedSlot = slot(c, movedKey);
        int askSlot = slot(c, askKey);
        RedisServer movedFrom = owner(c, movedSlot);
        RedisServer movedTo = c.masters().stream().filter(m -> m != movedFrom).findFirst().orElseThrow();
        RedisServer askFrom = owner(c, askSlot);
        RedisServer askTo = c.masters().stream().filter(m -> m != askFrom).findFirst().orElseThrow();

        try (TargetWriter w = TargetWriter.open(RedisUri.parse(c.seedUri()), WriterOptions.defaults(), WriteListener.NONE)) {
            // the writer has read the slot map; now the slots move under it
            assign(c, movedSlot, movedTo);
            askTo.cli("CLUSTER", "SETSLOT", Integer.toString(askSlot), "IMPORTING", id(askFrom));
            askFrom.cli("CLUSTER", "SETSLOT", Integer.toString(askSlot), "MIGRATING", id(askTo));

            w.write(SHARD, string(movedKey, "after MOVED", 10));
            w.write(SHARD, string(askKey, "after ASK", 20));
            w.drain();

            assertThat(w.keysWritten()).isEqualTo(2);
            assertThat(w.keysFailed()).isZero();
            assertThat(w.committed(SHARD)).isEqualTo(new FileOffset(20));
            assertThat(movedTo.cli("GET", movedKey)).isEqualTo("after MOVED");
            // a key written under ASK lives on the importing node
            try (RespConnection conn = Datasets.connect(askTo)) {
                conn.callOk("ASKING");
                assertThat(conn.call("GET", askKey).asText()).isEqualTo("after ASK");
            }
            // later writes of the moved slot go straight to its new owner: its map was updated
            w.write(SHARD, string(movedKey + "{x}", "x", 30));
            w.write(SHARD, string(movedKey, "second", 40));
            w.drain();
            assertThat(movedTo.cli("GET", movedKey)).isEqualTo("second");
            assertThat(w.committed(SHARD)).isEqualTo(new FileOffset(40));
        } finally {
            assign(c, askSlot, askTo);
            assign(c, movedSlot, movedTo);
        }
    }
}
