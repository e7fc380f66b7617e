package dev.ferry.resp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses RESP2 replies (and RESP3 scalars a server may still send) from a stream through its own buffer.
 * Single-threaded: one reader per connection. "+OK" comes back as the shared {@link Reply#OK} so the
 * writer's hot path allocates nothing for it.
 */
public final class RespReader {
    private static final int MAX_BULK = 512 * 1024 * 1024;
    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int limit;

    public RespReader(InputStream in) {
        this(in, 64 * 1024);
    }

    public RespReader(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    public Reply read() throws IOException {
        byte type = nextByte();
        switch (type) {
            case '+': {
                if (limit - pos >= 4 && buf[pos] == 'O' && buf[pos + 1] == 'K' && buf[pos + 2] == '\r'
                        && buf[pos + 3] == '\n') {
                    pos += 4;
                    return Reply.OK;
                }
                String line = readLine();
                return line.equals("OK") ? Reply.OK : new Reply.Simple(line);
            }
            case '-': return new Reply.Error(readLine());
            case ':': return new Reply.Int(readLong());
            case '$': {
                long len = readLong();
                if (len < 0) return Reply.NULL_BULK;
                if (len > MAX_BULK) throw new RedisProtocolException("bulk reply of " + len + " bytes is too long");
                byte[] data = new byte[(int) len];
                readFully(data);
                expectCrLf();
                return new Reply.Bulk(data);
            }
            case '*': case '~': case '>': {
                long n = readLong();
                if (n < 0) return new Reply.Array(null);
                List<Reply> items = new ArrayList<>((int) Math.min(n, 1024));
                for (long i = 0; i < n; i++) items.add(read());
                return new Reply.Array(items);
            }
            case '%': {
                long n = readLong();
                List<Reply> items = new ArrayList<>();
                for (long i = 0; i < 2 * n; i++) items.add(read());
                return new Reply.Array(items);
            }
            case '_': readLine(); return Reply.NULL_BULK;
            case ',': return new Reply.Bulk(readLine().getBytes(StandardCharsets.UTF_8));
            case '#': return new Reply.Int(readLine().equals("t") ? 1 : 0);
            default:
                throw new RedisProtocolException("unexpected RESP type byte 0x" + Integer.toHexString(type & 0xff),
                        java.util.Arrays.copyOfRange(buf, pos - 1, Math.min(limit, pos + 15)));
        }
    }

    /** Reads raw bytes that are not RESP framed (an RDB transfer after PSYNC, for example). */
    public void readFully(byte[] dst) throws IOException {
        readFully(dst, 0, dst.length);
    }

    public void readFully(byte[] dst, int off, int len) throws IOException {
        while (len > 0) {
            if (pos == limit) fill();
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, dst, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** Raw bytes, at least one: whatever is buffered, else what one read of the socket brings. */
    public int readSome(byte[] dst, int off, int len) throws IOException {
        if (pos == limit) fill();
        int n = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }

    /** Skips the bare newlines a master sends as keepalives while it prepares a full sync, then reads a line. */
    public String readLineAfterKeepalives() throws IOException {
        while (true) {
            if (pos == limit) fill();
            if (buf[pos] != '\n') return readLine();
            pos++;
        }
    }

    public String readLine() throws IOException {
        StringBuilder sb = null;
        while (true) {
            if (pos == limit) fill();
            for (int i = pos; i < limit - 1; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n') {
                    String part = new String(buf, pos, i - pos, StandardCharsets.UTF_8);
                    pos = i + 2;
                    return sb == null ? part : sb.append(part).toString();
                }
            }
            // no CRLF in what is buffered: keep all but a trailing '\r' and read more
            int keep = buf[limit - 1] == '\r' ? 1 : 0;
            if (sb == null) sb = new StringBuilder();
            sb.append(new String(buf, pos, limit - pos - keep, StandardCharsets.UTF_8));
            pos = limit - keep;
            compactAndFill();
        }
    }

    private long readLong() throws IOException {
        if (pos == limit) fill();
        boolean neg = false;
        if (buf[pos] == '-') {
            neg = true;
            pos++;
        }
        long v = 0;
        int digits = 0;
        while (true) {
            if (pos == limit) fill();
            byte b = buf[pos++];
            if (b == '\r') break;
            if (b < '0' || b > '9' || ++digits > 19) {
                throw new RedisProtocolException("bad number in RESP header");
            }
            v = v * 10 + (b - '0');
        }
        if (pos == limit) fill();
        if (buf[pos++] != '\n') throw new RedisProtocolException("missing LF after CR");
        return neg ? -v : v;
    }

    private void expectCrLf() throws IOException {
        if (nextByte() != '\r' || nextByte() != '\n') throw new RedisProtocolException("missing CRLF after bulk");
    }

    private byte nextByte() throws IOException {
        if (pos == limit) fill();
        return buf[pos++];
    }

    /** True when the next read would wait for the network: nothing buffered, nothing already received. */
    public boolean idle() throws IOException {
        return pos == limit && in.available() == 0;
    }

    /** Refills an empty buffer. */
    private void fill() throws IOException {
        pos = 0;
        limit = 0;
        int n = in.read(buf, 0, buf.length);
        if (n < 0) throw new EOFException("connection closed by server");
        limit = n;
    }

    /** Moves the unread bytes to the front and reads at least one more. */
    private void compactAndFill() throws IOException {
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        pos = 0;
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) throw new EOFException("connection closed by server");
        limit += n;
    }
}
