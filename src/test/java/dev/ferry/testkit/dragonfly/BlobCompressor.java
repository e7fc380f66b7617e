package dev.ferry.testkit.dragonfly;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * Decides per flush whether it travels as a compressed blob, with the real master's thresholds: only
 * flushes of 256 B to 1 MiB, and only when the frame is at most 95 % of the input.
 */
final class BlobCompressor {
    static final int OP_ZSTD_BLOB = 0xC9;
    static final int OP_LZ4_BLOB = 0xCA;
    static final int MIN_SIZE = 256;
    static final int MAX_SIZE = 1 << 20;
    static final int LEVEL = 2; // --compression_level default

    private final Compression mode;

    BlobCompressor(Compression mode) {
        this.mode = mode;
    }

    /** The bytes to put on the wire for one flush. */
    byte[] frame(byte[] flush, boolean compressible) {
        if (mode == Compression.NONE || !compressible || flush.length < MIN_SIZE || flush.length > MAX_SIZE) return flush;
        byte[] frame = mode == Compression.LZ4 ? lz4Frame(flush) : Zstd.compress(flush, LEVEL);
        if (frame.length * 100L > flush.length * 95L) return flush;
        ByteArrayOutputStream out = new ByteArrayOutputStream(frame.length + 6);
        out.write(mode == Compression.LZ4 ? OP_LZ4_BLOB : OP_ZSTD_BLOB);
        RdbBytes.rawString(out, frame);
        return out.toByteArray();
    }

    /** An LZ4 frame with independent 64 KiB blocks and the content size, as in the captured CA blobs (FLG 0x68, BD 0x40). */
    static byte[] lz4Frame(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length / 2 + 32);
        try (LZ4FrameOutputStream lz = new LZ4FrameOutputStream(bytes, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, data.length,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
            lz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
