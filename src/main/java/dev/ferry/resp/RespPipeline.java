package dev.ferry.resp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Many commands on one connection in a single round trip; replies come back in order. Arguments are byte
 * arrays, text (UTF-8) or numbers. A failed round trip closes the connection: replies left unread would
 * otherwise answer the next commands.
 */
public final class RespPipeline {
    private final RespConnection conn;
    private final RespOutput out = new RespOutput(16 * 1024);
    private int queued;

    public RespPipeline(RespConnection conn) {
        this.conn = conn;
    }

    public RespPipeline add(Object... args) {
        out.command(args.length);
        for (Object a : args) {
            if (a instanceof byte[] b) out.arg(b);
            else if (a instanceof Long l) out.arg(l);
            else if (a instanceof Integer i) out.arg((long) i);
            else out.arg(a.toString());
        }
        queued++;
        return this;
    }

    /** Commands queued since the last {@link #sync()}. */
    public int size() {
        return queued;
    }

    public List<Reply> sync() {
        int n = queued;
        queued = 0;
        List<Reply> replies = new ArrayList<>(n);
        if (n == 0) return replies;
        try {
            out.writeTo(conn.output());
            conn.output().flush();
            for (int i = 0; i < n; i++) replies.add(conn.reader().read());
            return replies;
        } catch (IOException e) {
            conn.close();
            throw new ConnectionLostException("connection to " + conn.address() + " failed: " + e.getMessage());
        } finally {
            out.reset();
        }
    }

    /** A command word or number as bytes. */
    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
