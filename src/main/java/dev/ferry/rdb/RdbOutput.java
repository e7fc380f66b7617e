package dev.ferry.rdb;

import java.util.Arrays;

/** Growable byte sink with the RDB length and string encodings. */
final class RdbOutput {
    private byte[] buf;
    private int n;

    RdbOutput(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void room(int k) {
        if (n + k > buf.length) {
            long want = Math.max((long) n + k, buf.length * 2L);
            if (want > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("payload larger than 2 GiB");
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    RdbOutput u8(int b) {
        room(1);
        buf[n++] = (byte) b;
        return this;
    }

    RdbOutput len(long v) {
        if (v >= 0 && v < 64) {
            u8((int) v);
        } else if (v >= 0 && v < 16384) {
            u8(0x40 | (int) (v >>> 8)).u8((int) v);
        } else if (v >= 0 && v <= 0xffffffffL) {
            u8(0x80);
            for (int s = 24; s >= 0; s -= 8) u8((int) (v >>> s));
        } else {
            u8(0x81);
            for (int s = 56; s >= 0; s -= 8) u8((int) (v >>> s));
        }
        return this;
    }

    RdbOutput longLE(long v) {
        for (int s = 0; s < 64; s += 8) u8((int) (v >>> s));
        return this;
    }

    RdbOutput bytes(byte[] b, int off, int len) {
        room(len);
        System.arraycopy(b, off, buf, n, len);
        n += len;
        return this;
    }

    RdbOutput string(byte[] s) {
        len(s.length);
        return bytes(s, 0, s.length);
    }

    int size() {
        return n;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, n);
    }
}
