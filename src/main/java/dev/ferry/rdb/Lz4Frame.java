package dev.ferry.rdb;

import net.jpountz.xxhash.XXHashFactory;

/**
 * Decodes one complete LZ4 frame into memory. Dragonfly writes frames with linked blocks (each block may copy
 * from the ones before it), which lz4-java's frame reader refuses; decoding the whole frame into one array
 * makes the earlier blocks the natural history for the later ones. Checksums use lz4-java's XXH32.
 */
final class Lz4Frame {
    private static final int MAGIC = 0x184D2204;

    private Lz4Frame() {
    }

    static byte[] decode(byte[] f, int maxSize) {
        int p = 0;
        if (f.length < 7 || intLE(f, 0) != MAGIC) throw new RdbFormatException("LZ4 blob does not start with the frame magic");
        int flg = f[4] & 0xff;
        int bd = f[5] & 0xff;
        p = 6;
        if ((flg >>> 6) != 1) throw new RdbFormatException("LZ4 frame version " + (flg >>> 6));
        boolean blockChecksum = (flg & 0x10) != 0;
        boolean hasSize = (flg & 0x08) != 0;
        boolean contentChecksum = (flg & 0x04) != 0;
        boolean dictId = (flg & 0x01) != 0;
        int maxBlock = 1 << (8 + 2 * ((bd >>> 4) & 7));
        long size = -1;
        if (hasSize) {
            need(f, p, 8);
            size = longLE(f, p);
            p += 8;
            if (size < 0 || size > maxSize) throw new RdbFormatException("LZ4 blob of " + size + " bytes");
        }
        if (dictId) throw new RdbFormatException("LZ4 frame needs a dictionary");
        need(f, p, 1);
        p++; // header checksum: the content checksum below covers what matters
        byte[] out = new byte[size >= 0 ? (int) size : Math.min(maxSize, Math.max(1 << 16, f.length * 4))];
        int o = 0;
        while (true) {
            need(f, p, 4);
            int word = intLE(f, p);
            p += 4;
            if (word == 0) break;
            boolean raw = word < 0;
            int len = word & 0x7fffffff;
            if (len > maxBlock) throw new RdbFormatException("LZ4 block of " + len + " bytes, frame says at most " + maxBlock);
            need(f, p, len);
            if (raw) {
                out = room(out, o, len, maxSize);
                System.arraycopy(f, p, out, o, len);
                o += len;
            } else {
                int before = o;
                out = room(out, o, maxBlock, maxSize);
                o = block(f, p, len, out, o);
                if (o - before > maxBlock) throw new RdbFormatException("LZ4 block decoded past the frame's block size");
            }
            p += len;
            if (blockChecksum) p += 4;
        }
        if (contentChecksum) {
            need(f, p, 4);
            int expected = intLE(f, p);
            int actual = XXHashFactory.fastestJavaInstance().hash32().hash(out, 0, o, 0);
            if (expected != actual) throw new RdbFormatException("LZ4 blob content checksum mismatch");
        }
        if (size >= 0 && o != size) throw new RdbFormatException("LZ4 blob decoded to " + o + " bytes, frame says " + size);
        return o == out.length ? out : java.util.Arrays.copyOf(out, o);
    }

    /** One compressed block: literal runs and back-references into everything decoded so far. */
    private static int block(byte[] s, int p, int len, byte[] out, int o) {
        int end = p + len;
        while (p < end) {
            int token = s[p++] & 0xff;
            int lit = token >>> 4;
            if (lit == 15) {
                int b;
                do {
                    if (p >= end) throw corrupt();
                    b = s[p++] & 0xff;
                    lit += b;
                } while (b == 255);
            }
            if (lit > end - p || lit > out.length - o) throw corrupt();
            System.arraycopy(s, p, out, o, lit);
            p += lit;
            o += lit;
            if (p == end) break; // the last sequence has literals only
            if (p + 2 > end) throw corrupt();
            int offset = (s[p] & 0xff) | (s[p + 1] & 0xff) << 8;
            p += 2;
            if (offset == 0 || offset > o) throw corrupt();
            int match = (token & 15) + 4;
            if ((token & 15) == 15) {
                int b;
                do {
                    if (p >= end) throw corrupt();
                    b = s[p++] & 0xff;
                    match += b;
                } while (b == 255);
            }
            if (match > out.length - o) throw corrupt();
            int from = o - offset;
            if (offset >= match) {
                System.arraycopy(out, from, out, o, match);
                o += match;
            } else {
                for (int i = 0; i < match; i++) out[o++] = out[from + i]; // overlapping copy repeats a pattern
            }
        }
        return o;
    }

    private static byte[] room(byte[] out, int o, int more, int max) {
        if ((long) o + more <= out.length) return out;
        long want = Math.min(max, Math.max((long) o + more, out.length * 2L));
        if (want < (long) o + more) {
            // the last block may be shorter than the maximum: leave room up to the limit only
            if (o >= max) throw new RdbFormatException("LZ4 blob larger than " + max + " bytes");
            want = max;
        }
        return java.util.Arrays.copyOf(out, (int) want);
    }

    private static RdbFormatException corrupt() {
        return new RdbFormatException("corrupt LZ4 block");
    }

    private static void need(byte[] f, int p, int n) {
        if (p + n > f.length) throw new RdbFormatException("LZ4 blob ends early");
    }

    private static int intLE(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    private static long longLE(byte[] b, int p) {
        return (intLE(b, p) & 0xffffffffL) | ((long) intLE(b, p + 4) << 32);
    }
}
