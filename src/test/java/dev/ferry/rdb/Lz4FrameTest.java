package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;

class Lz4FrameTest {
    private static byte[] frame(byte[] data, LZ4FrameOutputStream.BLOCKSIZE size, LZ4FrameOutputStream.FLG.Bits... bits)
            throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream out = new LZ4FrameOutputStream(bos, size, data.length, bits)) {
            out.write(data);
        }
        return bos.toByteArray();
    }

    private static byte[] sample(int n) {
        Random r = new Random(7);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : "redis-key:".charAt(i % 10));
        return b;
    }

    @Test
    void decodesWhatLz4JavaWrites() throws IOException {
        byte[] data = sample(300_000);
        byte[] f = frame(data, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM);
        assertThat(Lz4Frame.decode(f, 1 << 20)).isEqualTo(data);
    }

    @Test
    void refusesCorruptAndOversizedFrames() throws IOException {
        byte[] data = sample(100_000);
        byte[] f = frame(data, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
        assertThatThrownBy(() -> Lz4Frame.decode(f, 50_000)).hasMessageContaining("LZ4 blob of 100000 bytes");
        byte[] bad = f.clone();
        bad[bad.length - 2] ^= 0x55;
        assertThatThrownBy(() -> Lz4Frame.decode(bad, 1 << 20)).isInstanceOf(RdbFormatException.class);
        byte[] cut = java.util.Arrays.copyOf(f, f.length / 2);
        assertThatThrownBy(() -> Lz4Frame.decode(cut, 1 << 20)).isInstanceOf(RdbFormatException.class);
    }
}
