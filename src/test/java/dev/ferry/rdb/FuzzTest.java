package dev.ferry.rdb;

import dev.ferry.record.KeyValue;
import dev.ferry.command.ValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Truncated and mutated corpus files must end normally or with {@link RdbFormatException}: never another
 * exception, never a hang. Every value that gets emitted is also decoded, to exercise the blob decoders.
 */
class FuzzTest {
    private static final String[] FILES = {
            "redis-replicator/dumpV7.rdb", "redis-replicator/dump-stream.rdb", "redis-replicator/stream2.rdb",
            "redis-replicator/dumpV10.rdb", "redis-replicator/dump-ttlhash.rdb", "redis-replicator/parser_filters.rdb",
            "redis-tests/encodings.rdb", "redis-tests/corrupt_empty_keys.rdb", "redis-replicator/function.rdb",
            "redis-replicator/dump-slot.rdb", "redis-tests/list-quicklist.rdb", "redis-replicator/zipmap_that_compresses_easily.rdb",
            "redis-replicator/hash_as_ziplist.rdb", "redis-replicator/ziplist_with_integers.rdb", "redis-replicator/dumpV9.rdb",
            "redis-replicator/module.rdb", "redis-replicator/dump-huge-kv.rdb", "redis-replicator/dumpV6.rdb",
    };

    @ParameterizedTest
    @ValueSource(strings = {"redis-replicator/dumpV7.rdb", "redis-replicator/dump-stream.rdb", "redis-replicator/stream2.rdb",
            "redis-replicator/dumpV10.rdb", "redis-replicator/dump-ttlhash.rdb", "redis-replicator/parser_filters.rdb",
            "redis-tests/encodings.rdb", "redis-tests/corrupt_empty_keys.rdb", "redis-replicator/function.rdb",
            "redis-replicator/dump-slot.rdb", "redis-replicator/dumpV9.rdb", "redis-replicator/dump-huge-kv.rdb"})
    void everyTruncationFailsCleanly(String file) {
        byte[] data = Corpus.bytes(file);
        int step = Math.max(1, data.length / 1500);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int len = 0; len < data.length; len += step) {
                byte[] cut = java.util.Arrays.copyOf(data, len);
                Outcome o = run(cut, len % 2 == 0 ? 1L << 30 : 32, true);
                // a cut file can only end normally if it still holds the EOF opcode (and, v5+, the checksum)
                assertThat(o).as("%s cut at %d", file, len).isEqualTo(Outcome.FORMAT_ERROR);
            }
        });
    }

    @Test
    void randomMutationsFailCleanly() {
        Random rnd = new Random(20261121L);
        int perFile = 250;
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (String file : FILES) {
                byte[] data = Corpus.bytes(file);
                for (int i = 0; i < perFile; i++) {
                    byte[] m = mutate(data, rnd);
                    Outcome o = run(m, i % 3 == 0 ? 48 : 1L << 30, i % 2 == 0);
                    outcomes[o.ordinal()]++;
                }
            }
        });
        assertThat(outcomes[0] + outcomes[1]).isEqualTo(FILES.length * perFile);
    }

    /** Regression inputs found while fuzzing, rebuilt from corpus file + seed rather than stored. */
    @Test
    void knownNastyInputs() {
        // a 64-bit length claiming ~2^62 elements must not allocate or spin
        byte[] hugeCount = new RdbFiles(9).raw(2).string("k").raw(0x81, 0x40, 0, 0, 0, 0, 0, 0, 0).string("a").end(false);
        assertThat(run(hugeCount, 1L << 30, true)).isEqualTo(Outcome.FORMAT_ERROR);
        assertThat(run(hugeCount, 0, true)).isEqualTo(Outcome.FORMAT_ERROR);
        // a string length of 4 GB on a tiny file
        byte[] hugeString = new RdbFiles(9).raw(0).string("k").raw(0x80, 0xff, 0xff, 0xff, 0xf0).end(false);
        assertThat(run(hugeString, 1L << 30, true)).isEqualTo(Outcome.FORMAT_ERROR);
        // LZF claiming a 500 MB result from 3 bytes
        byte[] lzfBomb = new RdbFiles(9).raw(0).string("k").raw(0xc3, 3, 0x80, 0x1f, 0xff, 0xff, 0xff, 1, 2, 3).end(false);
        assertThat(run(lzfBomb, 1L << 30, true)).isEqualTo(Outcome.FORMAT_ERROR);
    }

    enum Outcome { OK, FORMAT_ERROR }

    private static byte[] mutate(byte[] data, Random rnd) {
        byte[] m = data.clone();
        int kind = rnd.nextInt(4);
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = 9 + rnd.nextInt(Math.max(1, m.length - 9));
            if (at >= m.length) continue;
            switch (kind) {
                case 0: m[at] = (byte) rnd.nextInt(256); break;
                case 1: m[at] ^= (byte) (1 << rnd.nextInt(8)); break;
                case 2: m[at] = (byte) (rnd.nextBoolean() ? 0xff : 0x80 + rnd.nextInt(2)); break;
                default: m[at] = (byte) (m[at] + (rnd.nextBoolean() ? 1 : -1)); break;
            }
        }
        return m;
    }

    private static Outcome run(byte[] data, long threshold, boolean verify) {
        try {
            RecordingVisitor v = new RecordingVisitor();
            new RdbReader(new ByteArrayInputStream(data), v,
                    new RdbReader.Options().bigValueThreshold(threshold).batchSize(5).verifyChecksum(verify).bufferSize(64)).read();
            for (KeyValue kv : v.keyValues) {
                if (kv.type() == ValueType.STREAM) RdbValueDecoder.decodeStream(kv);
                else if (kv.type() != ValueType.MODULE) RdbValueDecoder.decode(kv, 3, b -> { });
            }
            return Outcome.OK;
        } catch (RdbFormatException e) {
            assertThat(e.getMessage()).doesNotContain("\n").containsPattern("at offset \\d+|^not an RDB file");
            return Outcome.FORMAT_ERROR;
        }
    }
}
