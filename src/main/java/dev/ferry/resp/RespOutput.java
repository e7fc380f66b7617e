package dev.ferry.resp;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes commands as RESP arrays of bulk strings into a growable buffer that is written to the socket
 * in one go, so a pipeline of many small commands costs one syscall, not one per command.
 */
public final class RespOutput {
    private static final byte[][] SMALL_LENGTHS = new byte[1024][];
    static {
        for (int i = 0; i < SMALL_LENGTHS.length; i++) SMALL_LENGTHS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] buf;
    private int size;

    public RespOutput(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    /** The bytes a command of these arguments takes on the wire. */
    public static long encodedSize(byte[]... args) {
        long n = 1 + Long.toString(args.length).length() + 2;
        for (byte[] a : args) n += 1 + Long.toString(a.length).length() + 2 + a.length + 2;
        return n;
    }

    public int size() {
        return size;
    }

    public void reset() {
        size = 0;
    }

    public void writeTo(OutputStream out) throws IOException {
        if (size > 0) out.write(buf, 0, size);
        size = 0;
    }

    /** Starts a command of {@code argc} arguments; the arguments follow through the arg methods. */
    public RespOutput command(int argc) {
        ensure(16);
        buf[size++] = '*';
        writeDecimal(argc);
        return this;
    }

    public RespOutput arg(byte[] value) {
        return arg(value, 0, value.length);
    }

    public RespOutput arg(byte[] value, int off, int len) {
        ensure(len + 16);
        buf[size++] = '$';
        writeDecimal(len);
        System.arraycopy(value, off, buf, size, len);
        size += len;
        buf[size++] = '\r';
        buf[size++] = '\n';
        return this;
    }

    /** A bulk argument made of two parts, e.g. a payload and its footer, without joining them first. */
    public RespOutput arg(byte[] head, byte[] tail) {
        ensure(head.length + tail.length + 16);
        buf[size++] = '$';
        writeDecimal(head.length + tail.length);
        System.arraycopy(head, 0, buf, size, head.length);
        size += head.length;
        System.arraycopy(tail, 0, buf, size, tail.length);
        size += tail.length;
        buf[size++] = '\r';
        buf[size++] = '\n';
        return this;
    }

    public RespOutput arg(String value) {
        return arg(value.getBytes(StandardCharsets.UTF_8));
    }

    public RespOutput arg(long value) {
        ensure(48);
        buf[size++] = '$';
        writeDecimal(decimalLength(value));
        writeDigitsOnly(value);
        buf[size++] = '\r';
        buf[size++] = '\n';
        return this;
    }

    private static int decimalLength(long v) {
        if (v == Long.MIN_VALUE) return 20;
        int digits = v < 0 ? 2 : 1;
        for (long t = Math.abs(v); t >= 10; t /= 10) digits++;
        return digits;
    }

    /** Appends bytes that are already RESP (a pre-encoded command). */
    public void raw(byte[] bytes, int off, int len) {
        ensure(len);
        System.arraycopy(bytes, off, buf, size, len);
        size += len;
    }

    private void writeDecimal(int n) {
        if (n < SMALL_LENGTHS.length) {
            byte[] d = SMALL_LENGTHS[n];
            System.arraycopy(d, 0, buf, size, d.length);
            size += d.length;
        } else {
            writeDigitsOnly(n);
        }
        buf[size++] = '\r';
        buf[size++] = '\n';
    }

    private void writeDigitsOnly(long v) {
        if (v == Long.MIN_VALUE) {
            byte[] d = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(d, 0, buf, size, d.length);
            size += d.length;
            return;
        }
        if (v < 0) {
            buf[size++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        int end = size + digits;
        for (int i = end - 1; i >= size; i--) {
            buf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        size = end;
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }
}
