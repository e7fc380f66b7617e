package dev.ferry.rdb;

import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** Reports the read speed on dumpV8.rdb (92 499 small keys, 3.7 MB); asserts only a very low floor. */
class ReadSpeedTest {
    @Test
    void dumpV8() throws IOException {
        java.nio.file.Path file = Corpus.file("redis-replicator/dumpV8.rdb");
        long best = Long.MAX_VALUE;
        long[] keys = new long[1];
        for (int run = 0; run < 8; run++) {
            keys[0] = 0;
            long t0 = System.nanoTime();
            try (InputStream in = Files.newInputStream(file)) {
                new RdbReader(in, new RdbVisitor() {
                    @Override public void keyValue(KeyValue kv) { keys[0]++; }
                    @Override public void bigValueStart(BigValueStart s) { keys[0]++; }
                    @Override public void elements(ElementBatch b) { }
                    @Override public void bigValueEnd(BigValueEnd e) { }
                }, new RdbReader.Options()).read();
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        double ms = best / 1e6;
        System.out.printf("dumpV8.rdb: %d keys in %.1f ms = %.0f keys/s, %.0f MB/s%n",
                keys[0], ms, keys[0] / (ms / 1000), Files.size(file) / 1e6 / (ms / 1000));
        assertThat(keys[0]).isEqualTo(92499);
        assertThat(ms).isLessThan(5000);
    }
}
