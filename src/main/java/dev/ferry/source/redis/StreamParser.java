package dev.ferry.source.redis;

import dev.ferry.resp.RedisProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a master's command stream into commands (RESP arrays of bulk strings) and says how many bytes each
 * took, which is what the replication offset counts.
 */
final class StreamParser {
    private static final int MAX_ARGS = 64 * 1024 * 1024;
    private static final long MAX_BULK = 512L * 1024 * 1024;
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private long consumed;

    StreamParser(InputStream in) {
        this.in = in;
    }

    /**
     * The next command, or null when the stream ended between two commands. A stream that ends inside a
     * command throws {@link EOFException}.
     */
    byte[][] next() throws IOException {
        consumed = 0;
        int first = nextByteOrEnd();
        if (first < 0) return null;
        if (first != '*') {
            throw new RedisProtocolException("replication stream: expected '*', got byte 0x" + Integer.toHexString(first));
        }
        long n = readNumber();
        if (n < 1 || n > MAX_ARGS) throw new RedisProtocolException("replication stream: bad argument count " + n);
        byte[][] args = new byte[(int) n][];
        for (int i = 0; i < n; i++) {
            if (nextByte() != '$') throw new RedisProtocolException("replication stream: expected a bulk string");
            long len = readNumber();
            if (len < 0 || len > MAX_BULK) throw new RedisProtocolException("replication stream: bad bulk length " + len);
            byte[] a = new byte[(int) len];
            readFully(a);
            if (nextByte() != '\r' || nextByte() != '\n') throw new RedisProtocolException("replication stream: missing CRLF");
            args[i] = a;
        }
        return args;
    }

    /** Bytes the last command took on the wire. */
    long consumed() {
        return consumed;
    }

    private long readNumber() throws IOException {
        long v = 0;
        boolean neg = false;
        int digits = 0;
        while (true) {
            int b = nextByte();
            if (b == '\r') break;
            if (b == '-' && digits == 0 && !neg) {
                neg = true;
                continue;
            }
            if (b < '0' || b > '9' || ++digits > 18) throw new RedisProtocolException("replication stream: bad number");
            v = v * 10 + (b - '0');
        }
        if (nextByte() != '\n') throw new RedisProtocolException("replication stream: missing LF");
        return neg ? -v : v;
    }

    private void readFully(byte[] dst) throws IOException {
        int off = 0;
        while (off < dst.length) {
            if (pos == limit && !fill()) throw new EOFException("replication stream ended inside a command");
            int n = Math.min(dst.length - off, limit - pos);
            System.arraycopy(buf, pos, dst, off, n);
            pos += n;
            off += n;
            consumed += n;
        }
    }

    private int nextByte() throws IOException {
        int b = nextByteOrEnd();
        if (b < 0) throw new EOFException("replication stream ended inside a command");
        return b;
    }

    private int nextByteOrEnd() throws IOException {
        if (pos == limit && !fill()) return -1;
        consumed++;
        return buf[pos++] & 0xff;
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        limit = n;
        return true;
    }
}
