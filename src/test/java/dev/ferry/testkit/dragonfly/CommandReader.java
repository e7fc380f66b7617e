package dev.ferry.testkit.dragonfly;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads client commands the way a Redis-protocol server does: RESP arrays, or inline lines (what Dragonfly's replica sends). */
final class CommandReader {
    private final InputStream in;

    CommandReader(InputStream in) {
        this.in = in;
    }

    /** The next command's arguments; empty inline lines are skipped; null at a clean end of stream. */
    List<byte[]> next() throws IOException {
        while (true) {
            int first = in.read();
            if (first < 0) return null;
            if (first == '*') {
                int n = Integer.parseInt(line());
                List<byte[]> args = new ArrayList<>(Math.max(n, 0));
                for (int i = 0; i < n; i++) {
                    if (in.read() != '$') throw new IOException("expected a bulk string in a command array");
                    int len = Integer.parseInt(line());
                    args.add(in.readNBytes(len));
                    if (in.read() != '\r' || in.read() != '\n') throw new IOException("bulk string not terminated by CRLF");
                }
                return args;
            }
            String l = (char) first + line();
            List<byte[]> args = new ArrayList<>();
            for (String t : l.trim().split(" +")) {
                if (!t.isEmpty()) args.add(t.getBytes(StandardCharsets.UTF_8));
            }
            if (!args.isEmpty()) return args;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        while (true) {
            int c = in.read();
            if (c < 0) throw new EOFException("connection closed inside a command");
            if (c == '\n') break;
            b.write(c);
        }
        byte[] bytes = b.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }
}
