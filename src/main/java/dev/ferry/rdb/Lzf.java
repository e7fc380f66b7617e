package dev.ferry.rdb;

/** LZF decompression as used by RDB strings; every length and back-reference is checked. */
public final class Lzf {
    /** The most one input byte can expand to (a 3-byte back-reference yields 264 bytes). */
    static final int MAX_EXPANSION = 88;

    private Lzf() {
    }

    /**
     * Decompresses {@code in[off..off+len)} into exactly {@code out.length} bytes.
     *
     * @throws RdbFormatException if the input is corrupt or does not produce exactly that many bytes
     */
    public static void decompress(byte[] in, int off, int len, byte[] out) {
        int ip = off;
        final int inEnd = off + len;
        int op = 0;
        final int outEnd = out.length;
        while (ip < inEnd) {
            int ctrl = in[ip++] & 0xff;
            if (ctrl < 32) {
                int run = ctrl + 1;
                if (op + run > outEnd) throw new RdbFormatException("LZF literal run overruns the declared length");
                if (ip + run > inEnd) throw new RdbFormatException("LZF literal run overruns the compressed data");
                System.arraycopy(in, ip, out, op, run);
                ip += run;
                op += run;
            } else {
                int n = ctrl >>> 5;
                if (n == 7) {
                    if (ip >= inEnd) throw new RdbFormatException("LZF back-reference truncated");
                    n += in[ip++] & 0xff;
                }
                if (ip >= inEnd) throw new RdbFormatException("LZF back-reference truncated");
                int ref = op - ((ctrl & 0x1f) << 8) - (in[ip++] & 0xff) - 1;
                n += 2;
                if (ref < 0) throw new RdbFormatException("LZF back-reference before the start of the output");
                if (op + n > outEnd) throw new RdbFormatException("LZF back-reference overruns the declared length");
                if (ref + n <= op) {
                    System.arraycopy(out, ref, out, op, n);
                    op += n;
                } else {
                    // overlapping copy repeats the pattern, so it must go byte by byte
                    for (int k = 0; k < n; k++) out[op++] = out[ref++];
                }
            }
        }
        if (op != outEnd) {
            throw new RdbFormatException("LZF data gives " + op + " bytes, expected " + outEnd);
        }
    }
}
