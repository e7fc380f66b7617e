package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.record.KeyValue;
import dev.ferry.server.ServerInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordTranslatorTest {
    private static String s(double d) {
        return new String(RecordTranslator.score(d), StandardCharsets.US_ASCII);
    }

    @Test
    void scoresRoundTripBitForBit() {
        double[] samples = {0.1, -0.30000000000000004, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, 3.141592653589793,
                12345678901234567.0, 2.37, -0.0, 0.0, 1e15, 123456789012345.0};
        for (double d : samples) {
            assertThat(Double.doubleToRawLongBits(Double.parseDouble(s(d)))).as("score %s", d)
                    .isEqualTo(Double.doubleToRawLongBits(d));
        }
        assertThat(s(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(s(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
        assertThat(s(42)).isEqualTo("42");
    }

    /** What a translator sent for one key, each command as its words. */
    private static List<List<String>> sent(ServerInfo target, WriterOptions options, KeyValue kv, List<Integer> flags) {
        List<List<String>> out = new ArrayList<>();
        String refusal = new RecordTranslator(target, options).keyValue(kv, new RecordTranslator.Emitter() {
            @Override
            public void command(int f, byte[]... args) {
                List<String> words = new ArrayList<>();
                for (byte[] a : args) words.add(new String(a, StandardCharsets.ISO_8859_1));
                out.add(words);
                flags.add(f);
            }

            @Override
            public boolean exists(int db, byte[] key) {
                throw new AssertionError("a string needs no existence check");
            }

            @Override
            public void warn(String message) {
                throw new AssertionError(message);
            }
        });
        assertThat(refusal).isNull();
        return out;
    }

    private static KeyValue string(byte[] payload, long expireAtMs) {
        return new KeyValue(0, "k".getBytes(StandardCharsets.US_ASCII), 0, expireAtMs, payload, 10, null);
    }

    /** {@code [type 0][raw string of n bytes 'a'..]} in the length encoding RDB uses for n. */
    private static byte[] rawPayload(int n) {
        byte[] head = n < 64 ? new byte[] {0, (byte) n} : n < 16384 ? new byte[] {0, (byte) (0x40 | n >> 8), (byte) n}
                : new byte[] {0, (byte) 0x80, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        byte[] p = java.util.Arrays.copyOf(head, head.length + n);
        for (int i = 0; i < n; i++) p[head.length + i] = (byte) ('a' + i % 26);
        return p;
    }

    private static String letters(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append((char) ('a' + i % 26));
        return sb.toString();
    }

    @Test
    void aStringIsOneSetWithItsTtlWhereTheTargetTakesPxat() {
        ServerInfo redis70 = new ServerInfo(ServerInfo.Engine.REDIS, "7.0.15", 10, Set.of(), false, true);
        for (int n : new int[] {0, 5, 63, 64, 100, 16383, 16384, 70000}) {
            List<Integer> flags = new ArrayList<>();
            assertThat(sent(redis70, WriterOptions.defaults(), string(rawPayload(n), 0), flags)).as("%d bytes", n)
                    .containsExactly(List.of("SET", "k", letters(n)));
            assertThat(flags).as("a standalone Redis may get it in an MSET").containsExactly(Pending.GROUPABLE);
        }
        List<Integer> flags = new ArrayList<>();
        assertThat(sent(redis70, WriterOptions.defaults(), string(rawPayload(100), 4102444800123L), flags))
                .containsExactly(List.of("SET", "k", letters(100), "PXAT", "4102444800123"));
        // an integer-encoded string (0xC0: 8-bit int) is decoded, not sliced
        assertThat(sent(redis70, WriterOptions.defaults(), string(new byte[] {0, (byte) 0xC0, 123}, 0), flags))
                .containsExactly(List.of("SET", "k", "123"));
        WriterOptions keep = new WriterOptions(4, 1000, 500, false, false, false, WriterOptions.Mode.AUTO, 30_000);
        flags.clear();
        assertThat(sent(redis70, keep, string(rawPayload(10), 4102444800123L), flags))
                .as("--no-replace: NX and the TTL in the same command, so an existing key keeps its own TTL")
                .containsExactly(List.of("SET", "k", letters(10), "NX", "PXAT", "4102444800123"));
        assertThat(flags).containsExactly(Pending.NIL_MEANS_EXISTS);
        flags.clear();
        assertThat(sent(redis70, WriterOptions.defaults(), string(rawPayload(100), 4102444800123L), flags)).hasSize(1);
        assertThat(flags).as("with a TTL: never in an MSET").containsExactly(0);
        ServerInfo dragonfly = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 10, Set.of(), false, true);
        flags.clear();
        assertThat(sent(dragonfly, WriterOptions.defaults(), string(rawPayload(3), 0), flags))
                .containsExactly(List.of("SET", "k", "abc"));
        assertThat(flags).as("Dragonfly makes an MSET atomic across its shards").containsExactly(0);
        ServerInfo cluster = new ServerInfo(ServerInfo.Engine.REDIS, "7.0.15", 10, Set.of(), true, true);
        flags.clear();
        sent(cluster, WriterOptions.defaults(), string(rawPayload(3), 0), flags);
        assertThat(flags).as("a cluster's MSET must stay in one slot").containsExactly(0);
    }

    @Test
    void aTargetWithoutSetPxatGetsTheStringByRestore() {
        ServerInfo redis60 = new ServerInfo(ServerInfo.Engine.REDIS, "6.0.20", 9, Set.of(), false, true);
        List<List<String>> cmds = sent(redis60, WriterOptions.defaults(), string(rawPayload(3), 4102444800123L), new ArrayList<>());
        assertThat(cmds).hasSize(1);
        assertThat(cmds.get(0).get(0)).isEqualTo("RESTORE");
        assertThat(cmds.get(0).subList(4, 6)).containsExactly("REPLACE", "ABSTTL");
        assertThat(cmds.get(0).get(2)).isEqualTo("4102444800123");
    }

    @Test
    void onlyAWholeRawPayloadIsSliced() {
        assertThat(dev.ferry.rdb.RdbValueDecoder.rawString(rawPayload(100))).isEqualTo(letters(100).getBytes(StandardCharsets.US_ASCII));
        assertThat(dev.ferry.rdb.RdbValueDecoder.rawString(new byte[] {0, (byte) 0xC0, 1})).as("integer").isNull();
        assertThat(dev.ferry.rdb.RdbValueDecoder.rawString(new byte[] {0, 5, 'a'})).as("cut short").isNull();
        assertThat(dev.ferry.rdb.RdbValueDecoder.rawString(new byte[] {2, 1, 'a'})).as("not a string").isNull();
    }
}
