package dev.ferry.rdb;

import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.command.ValueType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every corpus value decoded, re-encoded in a plain encoding for older targets, decoded again. */
class RoundTripTest {

    @Test
    void plainReencodingKeepsElements() {
        int values = 0;
        for (String file : Corpus.all()) {
            if (file.endsWith("module.rdb")) continue;
            for (KeyValue kv : Corpus.read(file).keyValues) {
                ValueType t = kv.type();
                if (t == ValueType.STREAM) {
                    assertThat(RdbValueDecoder.decodeStream(kv).entries().size()).as(file).isPositive();
                    continue;
                }
                List<ElementBatch> batches = Elements.batches(kv, 100);
                assertThat(batches).allMatch(b -> b.size() <= 100);
                List<String> original = Elements.of(batches);
                for (int target : new int[] {7, 10, 12}) {
                    byte[] plain = DumpPayload.plain(t, batches, target);
                    assertThat(DumpPayload.targetLoads(plain[0], target)).isTrue();
                    List<String> again = Elements.of(Elements.batches(plain, 33));
                    assertThat(again).as(file + " " + Elements.s(kv.key()) + " -> v" + target)
                            .isEqualTo(target >= 12 ? original : withoutTtl(original));
                }
                values++;
            }
        }
        assertThat(values).isGreaterThan(92000);
    }

    private static List<String> withoutTtl(List<String> l) {
        return l.stream().map(s -> s.replaceAll("@\\d+$", "")).collect(Collectors.toList());
    }

    @Test
    void newTypesAreReencodedForRdb10() {
        RecordingVisitor v = Corpus.read("redis-replicator/dump-ttlhash.rdb");
        KeyValue kv = v.kv("ttlhash");
        assertThat(DumpPayload.targetLoads(kv.rdbType(), 10)).isFalse();
        byte[] plain = DumpPayload.plain(kv.type(), Elements.batches(kv, 512), 10);
        assertThat(plain[0]).isEqualTo((byte) 4);
        assertThat(DumpPayload.targetLoads(4, 10)).isTrue();
        byte[] withTtl = DumpPayload.plain(kv.type(), Elements.batches(kv, 512), 12);
        assertThat(withTtl[0]).isEqualTo((byte) 24);
    }

    @Test
    void dumpFooterIsVersionAndCrc() {
        byte[] payload = DumpPayload.string("bar".getBytes());
        byte[] dump = DumpPayload.of(payload, 10);
        assertThat(dump).hasSize(payload.length + 10);
        assertThat(dump[payload.length]).isEqualTo((byte) 10);
        assertThat(dump[payload.length + 1]).isZero();
        long crc = Crc64.update(0, dump, 0, dump.length - 8);
        long stored = 0;
        for (int i = 7; i >= 0; i--) stored = (stored << 8) | (dump[dump.length - 8 + i] & 0xff);
        assertThat(stored).isEqualTo(crc);
        // a DUMP of SET foo bar made by Redis 7.0: 00 03 62 61 72 0a 00 + crc
        assertThat(java.util.Arrays.copyOf(dump, 7)).containsExactly(0, 3, 'b', 'a', 'r', 10, 0);
    }

    @Test
    void typeTable() {
        assertThat(DumpPayload.maxTypeCodeFor(10)).isEqualTo(19);
        assertThat(DumpPayload.maxTypeCodeFor(12)).isEqualTo(25);
        assertThat(DumpPayload.targetLoads(20, 10)).isFalse();
        assertThat(DumpPayload.targetLoads(20, 11)).isTrue();
        assertThat(DumpPayload.targetLoads(18, 10)).isTrue();
        assertThat(DumpPayload.targetLoads(5, 7)).isFalse();
        assertThat(DumpPayload.targetLoads(14, 7)).isTrue();
        assertThat(DumpPayload.targetLoads(1, 12)).isTrue();
        assertThat(DumpPayload.targetLoads(6, 11)).isFalse();
    }

    @Test
    void zsetTextScoresForOldTargets() {
        byte[] p = DumpPayload.zset(List.of("a".getBytes(), "b".getBytes(), "c".getBytes(), "d".getBytes()),
                new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.1 + 0.2, 1e300}, 7);
        assertThat(p[0]).isEqualTo((byte) 3);
        assertThat(Elements.of(Elements.batches(p, 10)))
                .containsExactly("a=Infinity", "b=-Infinity", "c=" + (0.1 + 0.2), "d=1.0E300");
    }

    @Test
    void modulesAndStreamsAreNotBatched() {
        RecordingVisitor v = Corpus.read("redis-replicator/stream2.rdb");
        assertThatThrownBy(() -> Elements.batches(v.kv("mystream"), 10))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("decodeStream");
        byte[] module = {7, (byte) 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> Elements.batches(module, 10))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("module");
    }
}
