package dev.ferry.rdb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CodecPrimitivesTest {

    @Test
    void crc64CheckValue() {
        assertThat(Crc64.of("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xe9c6d914c4b8d9caL);
        assertThat(Crc64.of(new byte[0])).isZero();
    }

    @Test
    void crc64SlicedEqualsBytewise() {
        Random r = new Random(1);
        byte[] b = new byte[1000];
        r.nextBytes(b);
        long whole = Crc64.of(b);
        long parts = 0;
        for (int i = 0; i < b.length; i += 7) parts = Crc64.update(parts, b, i, Math.min(7, b.length - i));
        assertThat(parts).isEqualTo(whole);
    }

    @Test
    void corpusChecksums() {
        // CRC footers quoted by the corpus README
        assertThat(footer("redis-replicator/dumpV6.rdb")).isEqualTo(0xb6f15b27670aafd0L);
        assertThat(footer("redis-replicator/dumpV7.rdb")).isEqualTo(0xd5b053377d7b445bL);
    }

    private static long footer(String f) {
        byte[] b = Corpus.bytes(f);
        long crc = Crc64.update(0, b, 0, b.length - 8);
        assertThat(crc).isEqualTo(Bytes.longLE(b, b.length - 8));
        return Long.reverseBytes(crc);
    }

    @Test
    void lzf() {
        byte[] out = new byte[6];
        Lzf.decompress(new byte[] {0, 'a', (byte) 0x60, 0}, 0, 4, out);
        assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("aaaaaa");
        assertThatThrownBy(() -> Lzf.decompress(new byte[] {0, 'a', (byte) 0x60, 5}, 0, 4, new byte[6]))
                .isInstanceOf(RdbFormatException.class);
        assertThatThrownBy(() -> Lzf.decompress(new byte[] {5, 'a'}, 0, 2, new byte[6]))
                .isInstanceOf(RdbFormatException.class);
        assertThatThrownBy(() -> Lzf.decompress(new byte[] {0, 'a'}, 0, 2, new byte[6]))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("expected 6");
    }
}
