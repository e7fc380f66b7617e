package dev.ferry.rdb;

import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.command.ValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The big-value path yields the same elements as the whole-value path, in bounded batches. */
class BigValueTest {

    @ParameterizedTest
    @ValueSource(strings = {"redis-replicator/dictionary.rdb", "redis-replicator/linkedlist.rdb",
            "redis-replicator/dumpV8.rdb", "redis-replicator/dumpV10.rdb", "redis-replicator/dump-ttlhash.rdb",
            "redis-replicator/parser_filters.rdb", "redis-tests/encodings.rdb", "redis-replicator/regular_sorted_set.rdb",
            "redis-replicator/dumpV6.rdb", "redis-replicator/dump-stream.rdb"})
    void sameElementsAsWholeValues(String file) {
        RecordingVisitor whole = Corpus.read(file);
        Map<String, List<String>> expected = new LinkedHashMap<>();
        for (KeyValue kv : whole.keyValues) {
            if (ElementDecoder.decodable(kv.rdbType())) expected.put(kv.db() + ":" + Elements.s(kv.key()), Elements.of(kv));
        }
        int batchSize = 7;
        RecordingVisitor big = Corpus.read(file, new RdbReader.Options().bigValueThreshold(64).batchSize(batchSize));
        Map<String, List<String>> actual = new LinkedHashMap<>();
        for (KeyValue kv : big.keyValues) {
            if (ElementDecoder.decodable(kv.rdbType())) {
                assertThat(kv.payload().length).isLessThanOrEqualTo(64);
                actual.put(kv.db() + ":" + Elements.s(kv.key()), Elements.of(kv));
            }
        }
        for (BigValueStart s : big.bigStarts) {
            String k = s.db() + ":" + Elements.s(s.key());
            List<ElementBatch> batches = big.bigBatches.get(k);
            assertThat(batches).allMatch(b -> b.size() <= batchSize && b.size() > 0 && b.type() == s.type());
            actual.put(k, Elements.of(batches));
        }
        assertThat(big.bigEnds).hasSameSizeAs(big.bigStarts);
        assertThat(actual).isEqualTo(expected);
        assertThat(big.endPosition).isEqualTo(whole.endPosition);
        if (!file.contains("dump-stream")) assertThat(big.bigStarts).isNotEmpty();
    }

    @Test
    void expiryAndPositionsOfBigValues() {
        RecordingVisitor big = Corpus.read("redis-replicator/dumpV8.rdb", new RdbReader.Options().bigValueThreshold(64));
        RecordingVisitor whole = Corpus.read("redis-replicator/dumpV8.rdb");
        KeyValue zadd = whole.kv("zadd");
        assertThat(zadd.rdbType()).isEqualTo(5);
        BigValueStart s = big.bigStarts.stream().filter(b -> Elements.s(b.key()).equals("zadd")).findFirst().orElseThrow();
        assertThat(s.rdbType()).isEqualTo(5);
        int i = big.bigStarts.indexOf(s);
        assertThat(big.bigEnds.get(i).position()).isEqualTo(zadd.position());
        assertThat(((dev.ferry.record.FileOffset) s.position()).offset())
                .isLessThan(((dev.ferry.record.FileOffset) zadd.position()).offset() - zadd.payload().length);
    }

    /** A hash far above the threshold, streamed through a small buffer: batches bounded, nothing lost. */
    @Test
    void largeSyntheticHashAndStringInPieces() {
        int n = 50_000;
        List<byte[]> f = new ArrayList<>();
        List<byte[]> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            f.add(("field:" + i).getBytes());
            v.add(("value:" + i).getBytes());
        }
        byte[] big = new byte[3 * ElementDecoder.STRING_PIECE + 17];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        byte[] file = new RdbFiles(9)
                .key("h", DumpPayload.hash(f, v, null, 9))
                .raw(252).longLE(1234567890123L)
                .key("s", DumpPayload.string(big))
                .key("small", DumpPayload.string("x".getBytes()))
                .end(true);
        RecordingVisitor rec = new RecordingVisitor();
        new RdbReader(new ByteArrayInputStream(file), rec,
                new RdbReader.Options().bigValueThreshold(100_000).batchSize(1000).bufferSize(4096)).read();
        assertThat(rec.bigStarts).hasSize(2);
        List<ElementBatch> hb = rec.bigBatches.get("0:h");
        assertThat(hb).hasSize(50).allMatch(b -> b.size() == 1000 && b.type() == ValueType.HASH && !b.hasTtls());
        assertThat(Elements.of(hb).get(49_999)).isEqualTo("field:49999=value:49999");
        List<ElementBatch> sb = rec.bigBatches.get("0:s");
        assertThat(sb).hasSize(4).allMatch(b -> b.size() == 1 && b.item(0).length <= ElementDecoder.STRING_PIECE);
        assertThat(rec.bigStarts.get(1).expireAtMs()).isEqualTo(1234567890123L);
        assertThat(rec.bigStarts.get(0).expireAtMs()).isEqualTo(-1);
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        sb.forEach(b -> joined.write(b.item(0), 0, b.item(0).length));
        assertThat(joined.toByteArray()).isEqualTo(big);
        assertThat(rec.kv("small").expireAtMs()).isEqualTo(-1);
        assertThat(rec.endPosition).isEqualTo(file.length);
    }
}
