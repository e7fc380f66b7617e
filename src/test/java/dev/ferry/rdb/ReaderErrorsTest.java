package dev.ferry.rdb;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReaderErrorsTest {

    private static RecordingVisitor read(byte[] data, RdbReader.Options o) {
        RecordingVisitor v = new RecordingVisitor();
        new RdbReader(new ByteArrayInputStream(data), v, o).read();
        return v;
    }

    @Test
    void badMagic() {
        assertThatThrownBy(() -> read("HELLO WORLD".getBytes(), new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class).hasMessageStartingWith("not an RDB file");
        assertThatThrownBy(() -> read("RED".getBytes(), new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class).hasMessageStartingWith("not an RDB file");
    }

    @Test
    void unsupportedVersion() {
        assertThatThrownBy(() -> read(new RdbFiles(13).end(true), new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("unsupported RDB version 13");
    }

    @Test
    void checksumMismatchUnlessDisabled() {
        byte[] f = new RdbFiles(10).key("k", DumpPayload.string("v".getBytes())).end(true);
        f[f.length - 1] ^= 1;
        assertThatThrownBy(() -> read(f, new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("checksum mismatch");
        assertThat(read(f, new RdbReader.Options().verifyChecksum(false)).keyValues).hasSize(1);
        // a zero checksum means the writer had rdbchecksum off
        byte[] z = new RdbFiles(10).key("k", DumpPayload.string("v".getBytes())).end(false);
        byte[] zero = java.util.Arrays.copyOf(z, z.length + 8);
        assertThat(read(zero, new RdbReader.Options()).keyValues).hasSize(1);
    }

    @Test
    void corruptErrorNamesOffsetKeyAndDb() {
        // every blob is checked while reading: a value written as it is (RESTORE) must not be damaged
        byte[] tiny = new RdbFiles(9).raw(254).len(3).raw(10).string("mylist").string(new byte[] {1, 2, 3}).end(true);
        assertThatThrownBy(() -> read(tiny, new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class)
                .hasMessageMatching("corrupt RDB at offset \\d+ \\(key \"mylist\", db 3\\): ziplist .*");
        byte[] f = new RdbFiles(9).raw(254).len(3).raw(10).string("mylist").string(new byte[40]).end(true);
        assertThatThrownBy(() -> read(f, new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class)
                .hasMessageMatching("corrupt RDB at offset \\d+ \\(key \"mylist\", db 3\\): ziplist .*");
        byte[] payload = new byte[42];
        payload[0] = 10;
        payload[1] = 40;
        dev.ferry.record.KeyValue kv = new dev.ferry.record.KeyValue(3, "mylist".getBytes(), 10, -1, payload, 9, null);
        assertThatThrownBy(() -> RdbValueDecoder.decode(kv, 10, b -> { }))
                .isInstanceOf(RdbFormatException.class)
                .hasMessageContaining("(key \"mylist\", db 3)").hasMessageContaining("ziplist");
        byte[] cut = java.util.Arrays.copyOf(f, f.length - 12);
        assertThatThrownBy(() -> read(cut, new RdbReader.Options()))
                .isInstanceOf(RdbFormatException.class)
                .hasMessageMatching("corrupt RDB at offset \\d+ \\(key \"mylist\", db 3\\): .*end of file");
    }

    @Test
    void filterSkipsValuesAndKeepsExpiriesPerKey() {
        List<String> seen = new ArrayList<>();
        RdbReader.Options o = new RdbReader.Options().filter((db, key, type) -> {
            seen.add(db + ":" + new String(key) + ":" + type);
            return !new String(key).startsWith("zadd");
        });
        RecordingVisitor v = Corpus.read("redis-replicator/dumpV8.rdb", o);
        assertThat(seen).hasSize(92499);
        long zadds = Corpus.read("redis-replicator/dumpV8.rdb").keyValues.stream()
                .filter(kv -> new String(kv.key()).startsWith("zadd")).count();
        assertThat(zadds).isGreaterThan(92000);
        assertThat(v.keyValues).hasSize((int) (92499 - zadds));
        assertThat(v.keyValues).noneMatch(kv -> new String(kv.key()).startsWith("zadd"));
        assertThat(v.keyValues.stream().filter(kv -> kv.expireAtMs() != -1).count()).isEqualTo(2);
        RecordingVisitor lfu = Corpus.read("redis-replicator/dump-lfu.rdb",
                new RdbReader.Options().filter((db, key, type) -> !new String(key).equals("key")));
        assertThat(lfu.keyValues).hasSize(1);
        assertThat(lfu.kv("key1").expireAtMs()).isEqualTo(-1);
    }

    @Test
    void syntheticOpcodes() {
        byte[] moduleValue = {7, (byte) 0x81, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x54, 0x01,
                2, 5, 5, 3, 'a', 'b', 'c', 3, 0, 0, (byte) 0x80, 0x3f, 4, 0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f, 1, 0x01, 0};
        byte[] f = new RdbFiles(11)
                .raw(250).string("redis-ver").string("7.2.0")
                .raw(247).raw(0x81, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x54, 0x01).len(2).len(2).raw(5).string("x").raw(0)
                .raw(245).string("#!lua name=mylib\nredis.register_function('f', function() return 1 end)")
                .raw(244).len(100).len(1).len(0)
                .raw(253).raw(0x10, 0x27, 0, 0)
                .raw(248).len(77)
                .key("m", moduleValue)
                .raw(249).raw(3)
                .key("set", new byte[] {20, 10, 10, 0, 0, 0, 1, 0, (byte) 0x81, 'a', 2, (byte) 0xff})
                .end(true);
        RecordingVisitor v = read(f, new RdbReader.Options());
        assertThat(v.moduleAux).hasSize(1);
        assertThat(v.functions).hasSize(1);
        assertThat(v.kv("m").payload()).isEqualTo(moduleValue);
        assertThat(v.kv("m").expireAtMs()).isEqualTo(10_000_000L);
        assertThat(Elements.of(v.kv("set"))).containsExactly("a");
        assertThat(v.kv("set").expireAtMs()).isEqualTo(-1);
        assertThatThrownBy(() -> RdbValueDecoder.decode(v.kv("m"), 10, b -> { }))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("module");
    }
}
