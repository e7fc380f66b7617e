package dev.ferry.rdb;

/**
 * CRC-64 with the Jones polynomial, reflected, init 0, no final xor: the checksum of RDB files and DUMP
 * payloads. Slicing-by-8 because it runs over every byte of every snapshot.
 */
public final class Crc64 {
    private static final long POLY = 0x95ac9329ac4bc9b5L; // 0xad93d23594c935a9 bit-reversed
    private static final long[][] T = new long[8][256];

    static {
        for (int n = 0; n < 256; n++) {
            long crc = n;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
            T[0][n] = crc;
        }
        for (int n = 0; n < 256; n++) {
            long crc = T[0][n];
            for (int k = 1; k < 8; k++) {
                crc = T[0][(int) (crc & 0xff)] ^ (crc >>> 8);
                T[k][n] = crc;
            }
        }
    }

    private static final java.lang.invoke.VarHandle LE_LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private Crc64() {
    }

    public static long update(long crc, byte[] b, int off, int len) {
        final long[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            long x = crc ^ (long) LE_LONG.get(b, i); // one 8-byte load, not eight byte loads and shifts
            crc = t7[(int) (x & 0xff)] ^ t6[(int) ((x >>> 8) & 0xff)] ^ t5[(int) ((x >>> 16) & 0xff)]
                    ^ t4[(int) ((x >>> 24) & 0xff)] ^ t3[(int) ((x >>> 32) & 0xff)]
                    ^ t2[(int) ((x >>> 40) & 0xff)] ^ t1[(int) ((x >>> 48) & 0xff)] ^ t0[(int) (x >>> 56)];
            i += 8;
        }
        while (i < end) {
            crc = t0[(int) ((crc ^ b[i++]) & 0xff)] ^ (crc >>> 8);
        }
        return crc;
    }

    public static long of(byte[] b) {
        return update(0, b, 0, b.length);
    }
}
