package dev.ferry.rdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Buffered, counting RDB input with manual refill. It can capture the bytes of a value as they go by
 * (array copies out of the buffer, no per-byte appends), keep a running CRC-64 of what was consumed, and
 * rewind to the start of a capture so a value found too big to hold can be decoded element by element.
 * Also works over a byte array (DUMP payloads), where every length is checked against what remains.
 */
final class RdbInput {
    /** Redis refuses strings above proto-max-bulk-len's hard ceiling; anything longer is corrupt. */
    static final long MAX_STRING = 512L * 1024 * 1024;
    private static final int CHUNK = 1 << 20;

    private final InputStream in;
    private final byte[] standard;
    private byte[] buf;
    private int pos;
    private int limit;
    private long base;

    private boolean crcOn;
    private long crc;
    private int crcPos;

    private boolean capturing;
    private byte[] cap = new byte[0];
    private int capLen;
    private int capStart;
    private long capStartOffset;
    private long capThreshold = Long.MAX_VALUE;

    RdbInput(InputStream in, int bufferSize) {
        this.in = in;
        this.standard = new byte[bufferSize];
        this.buf = standard;
    }

    /** Reads {@code data[off..off+len)}; positions are relative to {@code off}. */
    RdbInput(byte[] data, int off, int len) {
        this.in = null;
        this.standard = data;
        this.buf = data;
        this.pos = off;
        this.limit = off + len;
        this.base = -off;
    }

    long position() {
        return base + pos;
    }

    /** Bytes read from the stream but not consumed yet. */
    int buffered() {
        return limit - pos;
    }

    boolean atEnd() {
        return in == null && pos >= limit;
    }

    // ---------------------------------------------------------------- checksum

    void startCrc() {
        crcOn = true;
        crc = 0;
        crcPos = pos;
    }

    /** CRC-64 of everything consumed since {@link #startCrc()}. */
    long crc() {
        updateCrc();
        return crc;
    }

    private void updateCrc() {
        if (crcOn && pos > crcPos) {
            crc = Crc64.update(crc, buf, crcPos, pos - crcPos);
            crcPos = pos;
        }
    }

    // ---------------------------------------------------------------- capture

    /**
     * Starts capturing at the current position. If more than {@code threshold} bytes get captured while
     * refilling, {@link BigValueSignal} is thrown and {@link #rewindCapture()} can replay them.
     */
    void beginCapture(long threshold) {
        capturing = true;
        capLen = 0;
        capStart = pos;
        capStartOffset = position();
        capThreshold = threshold;
    }

    long capturedSize() {
        return capLen + (pos - capStart);
    }

    /** Ends the capture and returns {@code prefix} followed by the captured bytes. */
    byte[] endCapture(int prefix) {
        int tail = pos - capStart;
        byte[] out = new byte[1 + capLen + tail];
        out[0] = (byte) prefix;
        System.arraycopy(cap, 0, out, 1, capLen);
        System.arraycopy(buf, capStart, out, 1 + capLen, tail);
        stopCapture();
        return out;
    }

    void stopCapture() {
        capturing = false;
        capLen = 0;
        if (cap.length > CHUNK) cap = new byte[0]; // don't pin a big value's memory
    }

    /** Moves back to where the capture began; the captured bytes are read again from memory. */
    void rewindCapture() {
        updateCrc();
        int tail = limit - capStart;
        byte[] replay = new byte[capLen + tail];
        System.arraycopy(cap, 0, replay, 0, capLen);
        System.arraycopy(buf, capStart, replay, capLen, tail);
        int crcDone = capLen + (crcPos - capStart);
        base = capStartOffset;
        buf = replay;
        pos = 0;
        limit = replay.length;
        crcPos = crcDone;
        capturing = false;
        capLen = 0;
        cap = new byte[0];
    }

    private void appendCapture(int from, int to) {
        int n = to - from;
        if (n <= 0) return;
        if (capLen + n > cap.length) {
            long want = Math.max((long) capLen + n, Math.max(4096L, cap.length * 2L));
            if (want > Integer.MAX_VALUE - 16) throw new RdbFormatException("value larger than 2 GiB");
            cap = java.util.Arrays.copyOf(cap, (int) want);
        }
        System.arraycopy(buf, from, cap, capLen, n);
        capLen += n;
    }

    // ---------------------------------------------------------------- buffer

    private void refill(int need) {
        if (in == null) throw new RdbFormatException("unexpected end of data");
        updateCrc();
        if (capturing) {
            appendCapture(capStart, pos);
            capStart = pos;
        }
        int rem = limit - pos;
        byte[] target = rem + need <= standard.length ? standard : new byte[rem + need];
        System.arraycopy(buf, pos, target, 0, rem);
        base += pos;
        crcPos = Math.max(0, crcPos - pos);
        if (capturing) capStart = 0;
        buf = target;
        limit = rem;
        pos = 0;
        try {
            while (limit - pos < need) {
                int r = in.read(buf, limit, buf.length - limit);
                if (r < 0) throw new RdbFormatException("unexpected end of file");
                limit += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (capturing && capLen > capThreshold) throw BigValueSignal.INSTANCE;
    }

    private void need(int n) {
        if (limit - pos < n) refill(n);
    }

    int readU8() {
        if (pos == limit) refill(1);
        return buf[pos++] & 0xff;
    }

    int readIntLE() {
        need(4);
        int p = pos;
        pos += 4;
        return (buf[p] & 0xff) | (buf[p + 1] & 0xff) << 8 | (buf[p + 2] & 0xff) << 16 | (buf[p + 3] & 0xff) << 24;
    }

    long readLongLE() {
        need(8);
        long v = Bytes.longLE(buf, pos);
        pos += 8;
        return v;
    }

    double readDoubleLE() {
        return Double.longBitsToDouble(readLongLE());
    }

    void readFully(byte[] dst, int off, int len) {
        while (len > 0) {
            if (pos == limit) refill(1);
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, dst, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    byte[] readBytes(long len) {
        checkLength(len, "string");
        int n = (int) len;
        if (n <= CHUNK || in == null) {
            byte[] out = new byte[n];
            readFully(out, 0, n);
            return out;
        }
        // a corrupt length must not allocate hundreds of MB before the data runs out
        byte[] out = new byte[CHUNK];
        int filled = 0;
        while (filled < n) {
            if (filled == out.length) out = java.util.Arrays.copyOf(out, (int) Math.min(n, out.length * 2L));
            int step = out.length - filled;
            readFully(out, filled, step);
            filled += step;
        }
        return out;
    }

    void skip(long n) {
        if (n < 0) throw new RdbFormatException("negative length");
        if (in == null && n > limit - pos) throw new RdbFormatException("length " + n + " overruns the data");
        while (n > 0) {
            if (pos == limit) refill(1);
            int k = (int) Math.min(n, limit - pos);
            pos += k;
            n -= k;
        }
    }

    void checkLength(long len, String what) {
        if (len < 0 || len > MAX_STRING) throw new RdbFormatException("implausible " + what + " length " + Long.toUnsignedString(len));
        if (in == null && len > limit - pos) {
            throw new RdbFormatException(what + " length " + len + " overruns the data (" + (limit - pos) + " bytes left)");
        }
    }

    // ---------------------------------------------------------------- RDB encodings

    /** Set by {@link #readLenOrEncoding()}: the value read was a special-encoding tag, not a length. */
    private boolean encoded;

    private long readLenOrEncoding() {
        int b = readU8();
        switch (b >>> 6) {
            case 0:
                encoded = false;
                return b & 0x3f;
            case 1:
                encoded = false;
                return ((b & 0x3f) << 8) | readU8();
            case 2:
                encoded = false;
                if (b == 0x80) return readIntBE() & 0xffffffffL;
                if (b == 0x81) return readLongBE();
                throw new RdbFormatException("unknown length encoding 0x" + Integer.toHexString(b));
            default:
                encoded = true;
                return b & 0x3f;
        }
    }

    /** An RDB length; 64-bit lengths come back as unsigned values in a long (may be negative). */
    long readLen() {
        long v = readLenOrEncoding();
        if (encoded) throw new RdbFormatException("special string encoding where a length was expected");
        return v;
    }

    /** A length used as an element count or size, so it must fit comfortably in an int. */
    int readCount(String what) {
        long v = readLen();
        if (v < 0 || v > Integer.MAX_VALUE) throw new RdbFormatException("implausible " + what + " " + Long.toUnsignedString(v));
        return (int) v;
    }

    private int readIntBE() {
        need(4);
        int p = pos;
        pos += 4;
        return (buf[p] & 0xff) << 24 | (buf[p + 1] & 0xff) << 16 | (buf[p + 2] & 0xff) << 8 | (buf[p + 3] & 0xff);
    }

    private long readLongBE() {
        return ((long) readIntBE() << 32) | (readIntBE() & 0xffffffffL);
    }

    /** A string in any RDB encoding (raw, integer, LZF), decoded. */
    byte[] readString() {
        long len = readLenOrEncoding();
        if (!encoded) return readBytes(len);
        switch ((int) len) {
            case 0: return ascii((byte) readU8());
            case 1: return ascii(readShortLE());
            case 2: return ascii(readIntLE());
            case 3: return readLzf();
            default: throw new RdbFormatException("unknown string encoding " + len);
        }
    }

    private long readShortLE() {
        need(2);
        int v = (buf[pos] & 0xff) | (buf[pos + 1] << 8);
        pos += 2;
        return (short) v;
    }

    private byte[] readLzf() {
        long clen = readLen();
        long len = readLen();
        checkLength(clen, "compressed string");
        if (len < 0 || len > MAX_STRING || len > clen * Lzf.MAX_EXPANSION) {
            throw new RdbFormatException("implausible LZF lengths " + Long.toUnsignedString(clen) + " -> " + Long.toUnsignedString(len));
        }
        byte[] c = readBytes(clen);
        byte[] out = new byte[(int) len];
        Lzf.decompress(c, 0, c.length, out);
        return out;
    }

    /** Skips a string in any encoding; returns its encoded size class: -1 integer, 1 LZF, 0 raw. */
    int skipString() {
        long len = readLenOrEncoding();
        if (!encoded) {
            checkLength(len, "string");
            skip(len);
            return 0;
        }
        switch ((int) len) {
            case 0: skip(1); return -1;
            case 1: skip(2); return -1;
            case 2: skip(4); return -1;
            case 3: {
                long clen = readLen();
                long ulen = readLen();
                checkLength(clen, "compressed string");
                if (ulen < 0 || ulen > MAX_STRING || ulen > clen * Lzf.MAX_EXPANSION) {
                    throw new RdbFormatException("implausible LZF lengths " + Long.toUnsignedString(clen) + " -> " + Long.toUnsignedString(ulen));
                }
                skip(clen);
                return 1;
            }
            default: throw new RdbFormatException("unknown string encoding " + len);
        }
    }

    /** The next byte without consuming it. */
    int peekU8() {
        need(1);
        return buf[pos] & 0xff;
    }

    /**
     * Reads the next string if it is raw and at most {@code max} bytes long, else skips it and returns
     * null. Empty encoded collections are tiny and never compressed, so this finds them cheaply.
     */
    byte[] readSmallRawOrSkip(int max) {
        int b = peekU8();
        if ((b >>> 6) != 3) {
            long len = readLen();
            if (len >= 0 && len <= max) return readBytes(len);
            checkLength(len, "string");
            skip(len);
            return null;
        }
        skipString();
        return null;
    }

    private static byte[] ascii(long v) {
        return Bytes.ascii(v);
    }
}
