package dev.ferry.source.scan;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Many commands on one source connection in a single round trip; replies come back in order. */
final class Pipeline {
    private final RespConnection conn;
    private final RespOutput out = new RespOutput(16 * 1024);
    private int queued;

    Pipeline(RespConnection conn) {
        this.conn = conn;
    }

    Pipeline add(byte[]... args) {
        out.command(args.length);
        for (byte[] a : args) out.arg(a);
        queued++;
        return this;
    }

    Pipeline add(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return add(b);
    }

    List<Reply> sync() {
        int n = queued;
        queued = 0;
        try {
            out.writeTo(conn.output());
            conn.output().flush();
            List<Reply> replies = new ArrayList<>(n);
            for (int i = 0; i < n; i++) replies.add(conn.reader().read());
            return replies;
        } catch (IOException e) {
            conn.close(); // replies left unread would answer the next commands
            throw new RedisConnectionException("connection to source " + conn.address() + " failed: " + e.getMessage());
        } finally {
            out.reset();
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
