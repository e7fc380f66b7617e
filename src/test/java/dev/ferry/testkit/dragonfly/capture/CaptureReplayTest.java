package dev.ferry.testkit.dragonfly.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.dragonfly.capture.Capture.Line;
import dev.ferry.testkit.dragonfly.capture.Capture.Read;
import dev.ferry.testkit.dragonfly.capture.Capture.Session;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The replay against stand-in clients whose behaviour is known exactly: the captured replica's own bytes
 * (which must get the captured master's bytes back, connection by connection), and a scripted client that
 * differs from it the way Ferry does.
 */
class CaptureReplayTest {
    private static final Duration STEP = Duration.ofSeconds(20);

    @ParameterizedTest
    @ValueSource(strings = {"basic-lz4", "uncompressed", "zstd", "df-types", "partial-resync", "flushall-during-fullsync", "bigvalues",
            "bigvalues-uncompressed", "writes-during-fullsync"})
    void theCapturedReplicaGetsExactlyTheCapturedMasterBytes(String scenario) throws Exception {
        Captures.require(scenario);
        Capture cap = Capture.load(scenario);
        try (CaptureReplay replay = CaptureReplay.start(cap); StandIn client = new StandIn(replay.port())) {
            client.replay(cap);
            assertThat(replay.awaitDelivered(STEP)).as("last session delivered").isTrue();
            for (int conn : cap.conns()) {
                client.await(conn, cap.s2c(conn).length);
                Thread.sleep(20); // room for a stray extra byte to show up
                assertThat(client.received(conn)).as("s2c of captured conn " + conn).isEqualTo(cap.s2c(conn));
            }
            assertThat(replay.problems()).isEmpty();
            assertThat(replay.deviations()).isEmpty();
            for (Session s : cap.sessions()) {
                assertThat(replay.commands(s.syncId(), -1)).isEqualTo(texts(cap.lines(s.controlConn())));
                for (Map.Entry<Integer, Integer> f : s.flowConnById().entrySet()) {
                    assertThat(replay.commands(s.syncId(), f.getKey())).isEqualTo(texts(cap.lines(f.getValue())));
                    List<Long> want = capturedAcks(cap, f.getValue());
                    long deadline = System.currentTimeMillis() + STEP.toMillis(); // ACKs are parsed on the replay's threads
                    while (replay.acks(s.syncId(), f.getKey()).size() < want.size() && System.currentTimeMillis() < deadline) Thread.sleep(5);
                    assertThat(replay.acks(s.syncId(), f.getKey())).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void partialResyncCutsTheStableSessionAndTheReplicaAsksForTheCapturedLsns() throws Exception {
        Captures.require("partial-resync");
        Capture cap = Capture.load("partial-resync");
        try (CaptureReplay replay = CaptureReplay.start(cap); StandIn client = new StandIn(replay.port())) {
            client.replay(cap);
            assertThat(replay.awaitDelivered(STEP)).isTrue();
            for (int conn : List.of(0, 1, 2)) assertThat(client.sawEof(conn)).as("SYNC1 conn " + conn + " cut").isTrue();
            for (int conn : List.of(3, 4, 5)) assertThat(client.sawEof(conn)).as("SYNC2 conn " + conn + " open").isFalse();
            assertThat(replay.commands("SYNC2", 1)).first().isEqualTo("DFLY FLOW " + replay.replid() + " SYNC2 1 16");
            assertThat(replay.commands("SYNC2", 0)).first().isEqualTo("DFLY FLOW " + replay.replid() + " SYNC2 0 22");
            assertThat(replay.commands("SYNC2", -1)).doesNotContain("DFLY SYNC SYNC2").contains("DFLY STARTSTABLE SYNC2");
            assertThat(replay.acks("SYNC1", 0)).containsExactly(1L, 22L, 22L); // all received before the cut
            assertThat(replay.awaitAck("SYNC2", 1, 42, STEP)).isTrue();
            assertThat(replay.acks("SYNC2", 1)).startsWith(16L);
            assertThat(replay.problems()).isEmpty();
        }
    }

    @Test
    void aWrongLsnAndAStrayCommandAreProblems() throws Exception {
        Captures.require("partial-resync");
        Capture cap = Capture.load("partial-resync");
        try (CaptureReplay replay = CaptureReplay.start(cap); Socket control = new Socket("127.0.0.1", replay.port())) {
            var in = control.getInputStream();
            var out = control.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readN(in, 7)).isEqualTo("+PONG\r\n");
            out.write("REPLCONF ip-address 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(in)).startsWith("-ERR");
            out.write("REPLCONF capa dragonfly\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(in)).isEqualTo("*5");
            try (Socket flow = new Socket("127.0.0.1", replay.port())) {
                // SYNC1 session, but ask as if resuming: the captured replica asked a full sync here
                flow.getOutputStream().write(("DFLY FLOW " + replay.replid() + " SYNC1 0 7\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readLine(flow.getInputStream())).isEqualTo("*2");
            }
            assertThat(replay.problems()).anySatisfy(p -> assertThat(p).contains("ip-address"))
                    .anySatisfy(p -> assertThat(p).contains("wrong LSN").contains("none").contains("7"));
            assertThat(replay.deviations()).anySatisfy(p -> assertThat(p).contains("skipped").contains("listening-port"));
        }
    }

    /**
     * A client unlike the captured one in the ways Ferry is: RESP arrays, its own port and version, no
     * CLIENT-ID, flows opened one at a time (flow 0 first although the capture opened flow 1 first), ACKs of
     * its own choosing. It must still get every byte, and nothing past FULLSYNC_END before it sends STARTSTABLE.
     */
    @Test
    void aDifferentClientGetsTheSameBytesAndNothingBeforeItsCause() throws Exception {
        Captures.require("basic-lz4");
        Capture cap = Capture.load("basic-lz4");
        Session s = cap.sessions().get(0);
        int startStableSeq = cap.lines(s.controlConn()).stream()
                .filter(l -> Capture.matchKey(l.words()).equals("DFLY STARTSTABLE")).findFirst().orElseThrow().seq();
        try (CaptureReplay replay = CaptureReplay.start(cap); StandIn client = new StandIn(replay.port())) {
            String id = replay.replid();
            client.open(100);
            client.resp(100, "PING");
            client.await(100, 7);
            for (String[] cmd : new String[][] {{"REPLCONF", "listening-port", "7777"}, {"REPLCONF", "capa", "eof", "capa", "psync2"},
                    {"REPLCONF", "capa", "dragonfly"}, {"REPLCONF", "CLIENT-VERSION", "4"}}) {
                int before = client.received(100).length;
                client.resp(100, cmd);
                client.awaitMore(100, before);
            }
            Thread.sleep(50); // the capa reply may come in pieces
            for (int flow = 0; flow < s.flowConnById().size(); flow++) {
                int conn = 200 + flow;
                client.open(conn);
                client.resp(conn, "DFLY", "FLOW", id, "SYNC1", Integer.toString(flow));
                client.await(conn, 54); // *2 +FULL +token, before the next flow is even opened
                assertThat(new String(client.received(conn), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("*2\r\n+FUL");
            }
            client.resp(100, "DFLY", "SYNC", "SYNC1");
            for (Map.Entry<Integer, Integer> f : s.flowConnById().entrySet()) {
                long before = cap.s2cReads(f.getValue()).stream().filter(r -> r.seq() < startStableSeq).mapToLong(Read::len).sum();
                client.await(200 + f.getKey(), (int) before);
            }
            Thread.sleep(300);
            for (Map.Entry<Integer, Integer> f : s.flowConnById().entrySet()) {
                long before = cap.s2cReads(f.getValue()).stream().filter(r -> r.seq() < startStableSeq).mapToLong(Read::len).sum();
                assertThat(client.received(200 + f.getKey()).length).as("flow %d before STARTSTABLE", f.getKey()).isEqualTo(before);
                client.resp(200 + f.getKey(), "REPLCONF", "ACK", "1");
            }
            client.resp(100, "DFLY", "STARTSTABLE", "SYNC1");
            assertThat(replay.awaitDelivered(STEP)).isTrue();
            Capture.ReplyBytes clientIdReply = cap.controlReplies(s.controlConn()).get(4);
            byte[] expectedControl = cap.s2c(s.controlConn()).clone();
            expectedControl = concat(Arrays.copyOfRange(expectedControl, 0, clientIdReply.start()),
                    Arrays.copyOfRange(expectedControl, clientIdReply.end(), expectedControl.length));
            client.await(100, expectedControl.length); // delivered = handed to the socket, not yet read here
            assertThat(client.received(100)).as("every captured reply but CLIENT-ID's").isEqualTo(expectedControl);
            for (Map.Entry<Integer, Integer> f : s.flowConnById().entrySet()) {
                client.await(200 + f.getKey(), cap.s2c(f.getValue()).length);
                assertThat(client.received(200 + f.getKey())).isEqualTo(cap.s2c(f.getValue()));
            }
            assertThat(replay.problems()).isEmpty();
            assertThat(replay.deviations()).singleElement().asString().contains("CLIENT-ID");
            assertThat(replay.commands("SYNC1", -1)).contains("REPLCONF CLIENT-VERSION 4");
            assertThat(replay.awaitAck("SYNC1", 0, 1, STEP)).isTrue();
            assertThat(replay.acks("SYNC1", 0)).containsExactly(1L);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static List<String> texts(List<Line> lines) {
        List<String> out = new ArrayList<>();
        for (Line l : lines) out.add(l.text());
        return out;
    }

    private static List<Long> capturedAcks(Capture cap, int conn) {
        List<Long> out = new ArrayList<>();
        for (Line l : cap.lines(conn)) if (Capture.matchKey(l.words()).equals("REPLCONF ack")) out.add(Long.parseLong(l.words().get(2)));
        return out;
    }

    private static String readN(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') if (ch != '\r') sb.append((char) ch);
        return sb.toString();
    }

    /**
     * A raw-socket client. Each connection has a thread that keeps reading, as a replica's flows must, so the
     * replay never stalls on a full socket buffer while the script waits on another connection.
     */
    static final class StandIn implements AutoCloseable {
        private final int port;
        private final Map<Integer, Socket> sockets = new TreeMap<>();
        private final Map<Integer, ByteArrayOutputStream> received = new TreeMap<>();
        private final Map<Integer, Boolean> eof = new TreeMap<>();

        StandIn(int port) {
            this.port = port;
        }

        /** Sends the captured c2s reads in seq order, waiting for each captured s2c read before going on. */
        void replay(Capture cap) throws Exception {
            for (Read r : cap.reads()) {
                if (r.c2s()) {
                    if (r.offset() == 0) {
                        Session s = cap.sessionOf(r.conn());
                        if (r.conn() == s.controlConn() && s.ordinal() > 0) endSession(cap, cap.sessions().get(s.ordinal() - 1));
                        open(r.conn());
                    }
                    send(r.conn(), Arrays.copyOfRange(cap.c2s(r.conn()), r.offset(), r.offset() + r.len()));
                } else {
                    await(r.conn(), r.offset() + r.len());
                }
            }
        }

        /** The captured replica abandoned a session it had not brought to stable sync; otherwise the master side cut it. */
        private void endSession(Capture cap, Session prev) throws Exception {
            List<Integer> conns = new ArrayList<>(prev.flowConnById().values());
            conns.add(prev.controlConn());
            for (int c : conns) {
                if (prev.reachedStable()) {
                    long deadline = System.currentTimeMillis() + STEP.toMillis();
                    while (!sawEof(c)) {
                        if (System.currentTimeMillis() > deadline) throw new AssertionError("conn " + c + " of " + prev.syncId() + " was not cut");
                        Thread.sleep(5);
                    }
                } else {
                    // the captured master had sent all of it before the captured replica's close: closing as soon as
                    // the last captured read was answered raced the replay's writing of the rest (CI, loaded)
                    await(c, cap.s2c(c).length);
                }
                sockets.get(c).close();
            }
        }

        void open(int conn) throws IOException {
            Socket s = new Socket("127.0.0.1", port);
            s.setTcpNoDelay(true);
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            synchronized (this) {
                sockets.put(conn, s);
                received.put(conn, buf);
                eof.put(conn, false);
            }
            Thread t = new Thread(() -> {
                byte[] b = new byte[64 * 1024];
                try (InputStream in = s.getInputStream()) {
                    int n;
                    while ((n = in.read(b)) > 0) {
                        synchronized (this) {
                            buf.write(b, 0, n);
                            notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // closed by this side
                }
                synchronized (this) {
                    eof.put(conn, true);
                    notifyAll();
                }
            }, "stand-in-" + conn);
            t.setDaemon(true);
            t.start();
        }

        void send(int conn, byte[] bytes) throws IOException {
            sockets.get(conn).getOutputStream().write(bytes);
        }

        void resp(int conn, String... args) throws IOException {
            StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
            send(conn, sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        synchronized void await(int conn, int bytes) throws InterruptedException {
            long deadline = System.currentTimeMillis() + STEP.toMillis();
            while (received.get(conn).size() < bytes) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("conn " + conn + ": got " + received.get(conn).size() + " bytes, waited for " + bytes);
                }
                wait(left);
            }
        }

        void awaitMore(int conn, int than) throws InterruptedException {
            await(conn, than + 1);
        }

        synchronized byte[] received(int conn) {
            return received.get(conn).toByteArray();
        }

        synchronized boolean sawEof(int conn) {
            return eof.get(conn);
        }

        @Override
        public synchronized void close() throws IOException {
            for (Socket s : sockets.values()) s.close();
        }
    }
}
