package dev.ferry.testkit.dragonfly;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;

/** A raw-socket stand-in for a replica, for the emulator's own tests (not the product's client). */
final class ReplicaDriver implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    ReplicaDriver(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends an inline command, as Dragonfly's replica does, and returns the raw reply bytes as text. */
    String call(String inline) throws IOException {
        send(inline);
        return readReply();
    }

    void send(String inline) throws IOException {
        out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One whole RESP reply, raw (nested arrays included). */
    String readReply() throws IOException {
        StringBuilder sb = new StringBuilder();
        readOne(sb);
        return sb.toString();
    }

    private void readOne(StringBuilder sb) throws IOException {
        String line = line();
        sb.append(line).append("\r\n");
        if (line.startsWith("*")) {
            int n = Integer.parseInt(line.substring(1));
            for (int i = 0; i < n; i++) readOne(sb);
        } else if (line.startsWith("$") && !line.equals("$-1")) {
            byte[] b = in.readNBytes(Integer.parseInt(line.substring(1)) + 2);
            sb.append(new String(b, StandardCharsets.UTF_8));
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) throw new IOException("closed");
            b.write(c);
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** The control handshake of Dragonfly's replica; returns the capa reply's elements. */
    String[] handshake() throws IOException {
        check(call("PING"), "+PONG\r\n");
        check(call("REPLCONF listening-port 6380"), "+OK\r\n");
        check(call("REPLCONF capa eof capa psync2"), "+OK\r\n");
        String capa = call("REPLCONF capa dragonfly");
        String[] lines = capa.split("\r\n");
        check(call("REPLCONF CLIENT-ID " + "ab".repeat(20)), "+OK\r\n");
        check(call("REPLCONF CLIENT-VERSION 5"), "+OK\r\n");
        return new String[] {lines[1].substring(1), lines[2].substring(1), lines[3].substring(1)};
    }

    private static void check(String got, String want) {
        if (!got.equals(want)) throw new IllegalStateException("expected " + want.trim() + ", got " + got.trim());
    }

    /** Everything the socket delivers, read in the background. */
    Collector collect() {
        return new Collector(in);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static final class Collector {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Collector(InputStream in) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[65536];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (bytes) {
                            bytes.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // closed
                }
            }, "replica-driver-reader");
            t.setDaemon(true);
            t.start();
        }

        byte[] bytes() {
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }

        /** The stream after the FLOW reply, parsed, once {@code until} holds (or fails after the timeout). */
        TestStreamParser await(long partialFromLsn, Predicate<TestStreamParser> until, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            TestStreamParser p = null;
            while (System.nanoTime() < deadline) {
                byte[] b = bytes();
                int reply = replyEnd(b);
                if (reply > 0) {
                    p = TestStreamParser.parse(Arrays.copyOfRange(b, reply, b.length), partialFromLsn);
                    if (until.test(p)) return p;
                }
                Thread.sleep(20);
            }
            throw new AssertionError("condition not reached; events so far: " + (p == null ? "none" : p.events.size()));
        }

        String reply() {
            byte[] b = bytes();
            int end = replyEnd(b);
            return end < 0 ? null : new String(b, 0, end, StandardCharsets.US_ASCII);
        }

        private static int replyEnd(byte[] b) {
            int crlf = 0;
            for (int i = 0; i < b.length; i++) if (b[i] == '\n' && ++crlf == 3) return i + 1;
            return -1;
        }
    }
}
