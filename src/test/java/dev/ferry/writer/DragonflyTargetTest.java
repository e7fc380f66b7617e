package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.rdb.DumpPayload;
import dev.ferry.record.KeyValue;
import dev.ferry.server.ServerInfo;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the writer sends for a snapshot key into a Dragonfly target (ServerInfo says Engine.DRAGONFLY), and what it
 * reports: RESTORE of the encodings Dragonfly's RESTORE loads, type commands for the others, TTLs beyond Dragonfly's
 * 2^28 s cut to it with a warning per key, and a stream's counters its plain XSETID cannot set reported. Payloads
 * come from a real Redis 7.0 (DUMP) or from Ferry's own plain encoders.
 */
class DragonflyTargetTest {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension().flushBeforeEach();

    /** 2026-12-06T00:00:00Z: the clock every translator here reads. */
    private static final long NOW = 1796515200000L;
    private static final ServerInfo DF_1_40 = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 12, Set.of(), false, true);
    private static final ServerInfo DF_1_20 = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.20.1", 11, Set.of(), false, true);

    /** What a translator sent for one key (each command as its words), what it warned, and its refusal. */
    private record Sent(List<List<String>> commands, List<String> warnings, String refusal) {
    }

    private static Sent translate(ServerInfo target, KeyValue kv) {
        List<List<String>> commands = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String refusal = new RecordTranslator(target, WriterOptions.defaults(), () -> NOW).keyValue(kv, new RecordTranslator.Emitter() {
            @Override
            public void command(int flags, byte[]... args) {
                List<String> words = new ArrayList<>();
                for (byte[] a : args) words.add(new String(a, StandardCharsets.ISO_8859_1));
                commands.add(words);
            }

            @Override
            public boolean exists(int db, byte[] key) {
                throw new AssertionError("--replace needs no existence check");
            }

            @Override
            public void warn(String message) {
                warnings.add(message);
            }
        });
        return new Sent(commands, warnings, refusal);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KeyValue key(byte[] payload, long expireAtMs) {
        return new KeyValue(0, b("k"), payload[0] & 0xff, expireAtMs, payload, 10, null);
    }

    /** A Redis 7.0 DUMP of {@code key} without its footer: the payload as a source hands it on. */
    private static byte[] dumpOf(String key) {
        try (var c = dev.ferry.resp.RespConnection.open(new dev.ferry.resp.RedisUri.HostPort(redis.get().host(), redis.get().port()),
                dev.ferry.resp.ConnectOptions.plain())) {
            dev.ferry.resp.Reply r = c.call(b("DUMP"), b(key));
            byte[] dump = ((dev.ferry.resp.Reply.Bulk) r).bytes();
            return Arrays.copyOf(dump, dump.length - 10);
        }
    }

    /** The RDB version in the footer of a RESTORE payload (argument 3). */
    private static int footerVersion(List<String> restore) {
        byte[] p = restore.get(3).getBytes(StandardCharsets.ISO_8859_1);
        return (p[p.length - 10] & 0xff) | (p[p.length - 9] & 0xff) << 8;
    }

    @Test
    void dragonflyRestoreLoadsTheEncodingsItsLoaderKnowsByVersion() {
        ServerInfo df16 = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.6.2", 9, Set.of(), false, true);
        for (int t : new int[] {0, 2, 3, 4, 5, 11, 12, 13, 14, 15, 18}) {
            assertThat(DragonflyRestore.loads(df16, t)).as("type %d on 1.6", t).isTrue();
        }
        for (int t : new int[] {1, 6, 7, 9, 10, 16, 17, 19, 20, 21, 22, 23, 24, 25, 30, 31}) {
            assertThat(DragonflyRestore.loads(df16, t)).as("type %d on 1.6", t).isFalse();
        }
        assertThat(DragonflyRestore.loads(DF_1_20, 16)).isTrue();
        assertThat(DragonflyRestore.loads(DF_1_20, 17)).isTrue();
        assertThat(DragonflyRestore.loads(DF_1_20, 20)).isTrue();
        assertThat(DragonflyRestore.loads(DF_1_20, 31)).isTrue();
        assertThat(DragonflyRestore.loads(DF_1_20, 19)).as("stream 2 from 1.26").isFalse();
        assertThat(DragonflyRestore.loads(DF_1_20, 34)).as("second bloom form from 1.35").isFalse();
        for (int t : new int[] {16, 17, 19, 20, 21, 30, 31, 32, 33, 34, 35, 36, 37}) {
            assertThat(DragonflyRestore.loads(DF_1_40, t)).as("type %d on 1.40", t).isTrue();
        }
        for (int t : new int[] {1, 6, 7, 9, 10, 22, 23, 24, 25}) {
            assertThat(DragonflyRestore.loads(DF_1_40, t)).as("type %d on 1.40", t).isFalse();
        }
    }

    @Test
    void redisPayloadsGoByRestoreWithAFooterDragonflyTakes() {
        redis.get().cli("RPUSH", "list", "a", "b", "c");
        redis.get().cli("HSET", "hash", "f", "v");
        redis.get().cli("SADD", "set", "x", "y");
        redis.get().cli("ZADD", "zset", "1", "m");
        for (String k : List.of("list", "hash", "set", "zset")) {
            byte[] payload = dumpOf(k);
            Sent s = translate(DF_1_40, key(payload, NOW + 60_000));
            assertThat(s.refusal()).isNull();
            assertThat(s.warnings()).isEmpty();
            assertThat(s.commands()).as(k).hasSize(1);
            List<String> restore = s.commands().get(0);
            assertThat(restore.get(0)).isEqualTo("RESTORE");
            assertThat(restore.get(2)).isEqualTo(Long.toString(NOW + 60_000));
            assertThat(restore.subList(4, 6)).containsExactly("REPLACE", "ABSTTL");
            // the value itself, unchanged; the footer Dragonfly 1.40's own RDB version (type 20 needs 10 or more)
            byte[] sentPayload = restore.get(3).getBytes(StandardCharsets.ISO_8859_1);
            assertThat(Arrays.copyOf(sentPayload, sentPayload.length - 10)).isEqualTo(payload);
            assertThat(footerVersion(restore)).isEqualTo(12);
        }
    }

    @Test
    void anEncodingDragonflyLacksGoesAsCommandsNeverAsAPlainListRestore() {
        // the plain list (type 1) is what Ferry re-encodes lists to for old Redis targets: Dragonfly has no loader for it
        byte[] plainList = DumpPayload.list(List.of(b("a"), b("b")));
        Sent s = translate(DF_1_40, key(plainList, 0));
        assertThat(s.commands()).containsExactly(List.of("DEL", "k"), List.of("RPUSH", "k", "a", "b"));
        // a plain set it loads: one RESTORE
        Sent set = translate(DF_1_40, key(DumpPayload.set(List.of(b("x"))), 0));
        assertThat(set.commands()).hasSize(1);
        assertThat(set.commands().get(0).get(0)).isEqualTo("RESTORE");
    }

    @Test
    void aTtlBeyondDragonflysLimitIsCutToItAndReportedPerKey() {
        long tenYears = 315_360_000_000L;
        long expireAt = NOW + tenYears;
        long clamped = NOW + DragonflyTtl.MAX_MS - DragonflyTtl.CLOCK_MARGIN_MS;
        String warning = "TTL 315360000000 ms ahead (source expiry 2036-12-03T00:00:00Z, " + expireAt
                + " ms) kept as 2^28 s (Dragonfly's limit)";

        Sent string = translate(DF_1_40, key(DumpPayload.string(b("v")), expireAt));
        assertThat(string.commands()).containsExactly(List.of("SET", "k", "v", "PXAT", Long.toString(clamped)));
        assertThat(string.warnings()).containsExactly(warning);

        Sent list = translate(DF_1_40, key(DumpPayload.list(List.of(b("a"))), expireAt));
        assertThat(list.commands()).containsExactly(List.of("DEL", "k"), List.of("RPUSH", "k", "a"),
                List.of("PEXPIREAT", "k", Long.toString(clamped)));
        assertThat(list.warnings()).containsExactly(warning);

        Sent set = translate(DF_1_40, key(DumpPayload.set(List.of(b("x"))), expireAt));
        assertThat(set.commands().get(0).get(2)).isEqualTo(Long.toString(clamped));
        assertThat(set.warnings()).containsExactly(warning);

        // within the limit (8 years ahead): as the source has it, no warning
        long eightYears = NOW + 252_288_000_000L;
        Sent within = translate(DF_1_40, key(DumpPayload.string(b("v")), eightYears));
        assertThat(within.commands()).containsExactly(List.of("SET", "k", "v", "PXAT", Long.toString(eightYears)));
        assertThat(within.warnings()).isEmpty();

        // a Redis target holds any TTL
        ServerInfo redis70 = new ServerInfo(ServerInfo.Engine.REDIS, "7.0.15", 10, Set.of(), false, true);
        Sent onRedis = translate(redis70, key(DumpPayload.string(b("v")), expireAt));
        assertThat(onRedis.commands()).containsExactly(List.of("SET", "k", "v", "PXAT", Long.toString(expireAt)));
        assertThat(onRedis.warnings()).isEmpty();
    }

    @Test
    void aStreamGoesByRestoreWhereDragonflyLoadsItsEncoding() {
        redis.get().cli("XADD", "s", "1-1", "f", "v");
        byte[] payload = dumpOf("s");
        assertThat(payload[0]).as("Redis 7.0 writes streams as type 19").isEqualTo((byte) 19);
        Sent s = translate(DF_1_40, key(payload, 0));
        assertThat(s.commands()).hasSize(1);
        assertThat(s.commands().get(0).get(0)).isEqualTo("RESTORE");
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void aStreamAsCommandsReportsTheCountersThePlainXsetidCannotSet() {
        redis.get().cli("XADD", "s", "1-1", "f", "v");
        redis.get().cli("XADD", "s", "2-1", "f", "w");
        redis.get().cli("XADD", "s", "3-1", "f", "x");
        redis.get().cli("XDEL", "s", "2-1");
        redis.get().cli("XGROUP", "CREATE", "s", "g", "1-1", "ENTRIESREAD", "1");
        Sent s = translate(DF_1_20, key(dumpOf("s"), 0));
        assertThat(s.commands()).containsExactly(List.of("DEL", "k"),
                List.of("XADD", "k", "1-1", "f", "v"), List.of("XADD", "k", "3-1", "f", "x"),
                List.of("XSETID", "k", "3-1"), List.of("XGROUP", "CREATE", "k", "g", "1-1"));
        assertThat(s.warnings()).containsExactly(
                "stream entries-added 3 and max-deleted-id 2-1 not kept (Dragonfly's XSETID takes no "
                        + "ENTRIESADDED/MAXDELETEDID): the copy says 2 and 0-0",
                "consumer group g: entries-read 1 not kept (Dragonfly 1.20.1 sets it from 1.37 only); its lag is estimated");

        // nothing deleted, every entry still there: the plain form gives the same counters, nothing to report
        redis.get().cli("DEL", "s");
        redis.get().cli("XADD", "s", "1-1", "f", "v");
        Sent whole = translate(DF_1_20, key(dumpOf("s"), 0));
        assertThat(whole.commands()).contains(List.of("XSETID", "k", "1-1"));
        assertThat(whole.warnings()).isEmpty();
    }

    @Test
    void aNewerDragonflyGetsAGroupsEntriesReadBySetid() {
        redis.get().cli("XADD", "s", "1-1", "f", "v");
        redis.get().cli("XGROUP", "CREATE", "s", "g", "1-1", "ENTRIESREAD", "1");
        ServerInfo df137 = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.37.0", 12, Set.of(), false, true);
        // forced to commands: Dragonfly 1.37 loads type 19 by RESTORE, so only --mode commands takes this path
        WriterOptions commands = new WriterOptions(4, 1000, 500, true, false, false, WriterOptions.Mode.COMMANDS, 30_000);
        List<List<String>> sent = new ArrayList<>();
        List<String> warned = new ArrayList<>();
        new RecordTranslator(df137, commands, () -> NOW).keyValue(key(dumpOf("s"), 0), new RecordTranslator.Emitter() {
            @Override public void command(int flags, byte[]... args) {
                List<String> w = new ArrayList<>();
                for (byte[] a : args) w.add(new String(a, StandardCharsets.ISO_8859_1));
                sent.add(w);
            }
            @Override public boolean exists(int db, byte[] key) { throw new AssertionError(); }
            @Override public void warn(String message) { warned.add(message); }
        });
        assertThat(sent).containsSubsequence(List.of("XGROUP", "CREATE", "k", "g", "1-1"),
                List.of("XGROUP", "SETID", "k", "g", "1-1", "ENTRIESREAD", "1"));
        assertThat(warned).isEmpty();
    }
}
