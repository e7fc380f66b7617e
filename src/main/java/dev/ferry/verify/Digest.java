package dev.ferry.verify;

import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A value's canonical fingerprint, the same whatever the encoding or engine that holds it. Ordered values
 * (strings, lists, stream entries) feed one running hash; unordered ones (hash fields, set members, zset
 * members with their scores) add up per-element hashes, so the order a server returns them in, and the
 * chunks they arrive in, do not matter. Two seeds give 128 bits.
 */
final class Digest {
    /** Looked up once: the lookup per digest (two per key and side) was 2% of verify's CPU. */
    private static final XXHashFactory FACTORY = XXHashFactory.fastestJavaInstance();
    private static final XXHash64 HASH = FACTORY.hash64();
    private static final long SEED_A = 0x5eed_f0e1_2345_6789L;
    private static final long SEED_B = 0x0fe2_7a11_dead_beefL;

    private final boolean ordered;
    private final StreamingXXHash64 runA;
    private final StreamingXXHash64 runB;
    private long sumA;
    private long sumB;
    private long count;

    private Digest(boolean ordered) {
        this.ordered = ordered;
        this.runA = ordered ? FACTORY.newStreamingHash64(SEED_A) : null;
        this.runB = ordered ? FACTORY.newStreamingHash64(SEED_B) : null;
    }

    /**
     * The {@link #value} of {@code ordered()} fed {@code bytes} as raw bytes ({@link #bytes}), without the two
     * streaming hashes: a stream's XXH64 is the one-shot hash of all it was fed, so a string read whole (most
     * are) costs two one-shot hashes.
     */
    static String ofString(byte[] value) {
        return text(HASH.hash(value, 0, value.length, SEED_A), HASH.hash(value, 0, value.length, SEED_B), 0);
    }

    static Digest ordered() {
        return new Digest(true);
    }

    static Digest unordered() {
        return new Digest(false);
    }

    /** One element made of parts (a field and its value, a member and its score): parts are length-prefixed. */
    void element(byte[]... parts) {
        count++;
        if (ordered) {
            for (byte[] p : parts) {
                byte[] len = lengthOf(p.length);
                runA.update(len, 0, len.length);
                runB.update(len, 0, len.length);
                runA.update(p, 0, p.length);
                runB.update(p, 0, p.length);
            }
            return;
        }
        byte[] joined = join(parts);
        sumA += HASH.hash(joined, 0, joined.length, SEED_A);
        sumB += HASH.hash(joined, 0, joined.length, SEED_B);
    }

    /** Raw bytes of one long element fed in pieces (a big string). */
    void bytes(byte[] b, int off, int len) {
        runA.update(b, off, len);
        runB.update(b, off, len);
    }

    long count() {
        return count;
    }

    String value() {
        return text(ordered ? runA.getValue() : sumA, ordered ? runB.getValue() : sumB, count);
    }

    private static String text(long a, long b, long count) {
        // by hand: String.format parses its pattern with a regex and builds a DecimalFormatSymbols per call, a
        // quarter of verify's CPU when called for every key on both sides
        char[] out = new char[32];
        hex(a, out, 0);
        hex(b, out, 16);
        return new String(out) + ":" + count;
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void hex(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    private static byte[] lengthOf(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    private static byte[] join(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += 4 + p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            byte[] len = lengthOf(p.length);
            System.arraycopy(len, 0, out, o, 4);
            System.arraycopy(p, 0, out, o + 4, p.length);
            o += 4 + p.length;
        }
        return out;
    }
}
