package dev.ferry.testkit.dragonfly.capture;

import dev.ferry.testkit.dragonfly.capture.Capture.Line;
import dev.ferry.testkit.dragonfly.capture.Capture.Read;
import dev.ferry.testkit.dragonfly.capture.Capture.ReplyBytes;
import dev.ferry.testkit.dragonfly.capture.Capture.Session;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake Dragonfly master that replays one recorded replication (a folder of the captures) to a real replica
 * client, so the client's decoder, session handling and ACKs meet the exact bytes a Dragonfly v1.40 master sent.
 *
 * <p><b>Who is who.</b> Each accepted connection is classified by its first command (an {@code AUTH} first is
 * answered {@code +OK} and does not count): {@code PING} opens the next captured session's control connection
 * (the first control connection is SYNC1, the second SYNC2, ...); {@code DFLY FLOW <replid> <sync_id> <flow>
 * [lsn]} is the captured flow connection of that session and flow id, whatever order the client opens them in.
 * The client is not the captured replica: its listening port, client id, version and ACK timing differ, so
 * control commands are paired with the captured ones by their words without those values (see
 * {@link Capture#matchKey}); a captured command the client skips is noted in {@link #deviations()}, a command
 * the capture has no counterpart for gets {@code -ERR} and goes to {@link #problems()}.
 *
 * <p><b>Gating.</b> The master sends nothing that the replica's commands did not cause, so neither may the
 * replay: a captured s2c read with global seq s of a flow is released only once every <em>gating</em> command
 * whose captured c2s read has seq &lt; s has been received, or been waived. Gating commands are the control
 * commands of every session plus the flow's own FLOW line; never ACKs (the master never waits for one), and not
 * other flows' FLOW lines: the proxy happened to see them before this flow's reply, but the master answers each
 * FLOW on its own, and a client that opens flows one at a time would otherwise deadlock. This is what keeps the
 * snapshot until DFLY SYNC, and JOURNAL_OFFSET/EOF/token/journal until DFLY STARTSTABLE. A control reply goes
 * out as soon as its command arrives, except the reply to STARTSTABLE, which also waits until the flows
 * have been handed every byte captured before it: the real master writes offset, EOF and token to the flows
 * before answering. Gating commands are waived when the client can no longer send them: those of earlier
 * sessions once a new session begins ({@code REPLCONF capa dragonfly}), the skipped ones before a matched
 * control command, and a session's handshake commands still missing when its first FLOW arrives.
 *
 * <p><b>Sessions.</b> A captured session that is not the last one ended in one of two ways, told apart by
 * whether its replica got as far as DFLY STARTSTABLE. If it did (partial-resync: the proxy cut everything in
 * stable sync), the replay cuts it too, once every byte of the session is delivered and each flow has ACKed
 * what the captured replica ACKed (or 5 s passed): it half-closes each socket, so the client reads every
 * byte before the EOF, then closes. If it did not (flushall-during-fullsync: the replica itself dropped SYNC1
 * after a FLUSHALL blob), the replay waits for the client to close; bytes it had not delivered by then are
 * dropped, like the master's. The last session's sockets stay open when all is delivered, as an idle master's.
 */
public final class CaptureReplay implements AutoCloseable {
    private static final long CUT_ACK_WAIT_MS = 5_000;
    private static final long STARTSTABLE_WAIT_MS = 60_000;

    private final Capture capture;
    private final ServerSocket server;
    private final List<Line> gating = new ArrayList<>(); // control lines of all sessions, by seq
    private final Map<Line, Boolean> satisfied = new HashMap<>();
    private final Map<Integer, Long> written = new HashMap<>(); // captured conn -> s2c bytes handed to the socket
    private final java.util.Set<Line> accounted = new java.util.HashSet<>(); // control commands answered, or skipped for good
    private final Map<Integer, Client> clientOf = new HashMap<>(); // captured conn -> live connection
    private final Map<String, List<String>> commands = new LinkedHashMap<>();
    private final Map<String, List<Long>> acks = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> deviations = new ArrayList<>();
    private final List<Client> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final java.util.Set<Session> cutScheduled = new java.util.HashSet<>();
    private final java.util.Set<Session> cutting = new java.util.HashSet<>();
    private int sessionsStarted;
    private boolean closed;

    private CaptureReplay(Capture capture) throws IOException {
        this.capture = capture;
        for (Session s : capture.sessions()) gating.addAll(capture.lines(s.controlConn()));
        gating.sort((a, b) -> Integer.compare(a.seq(), b.seq()));
        for (Line l : gating) satisfied.put(l, false);
        for (int conn : capture.conns()) written.put(conn, 0L);
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        spawn("accept", this::acceptLoop);
    }

    /** Replays the scenario folder of that name from {@link Captures#ROOT}. */
    public static CaptureReplay start(String scenario) {
        return start(Capture.load(scenario));
    }

    public static CaptureReplay start(Path scenarioDir) {
        return start(Capture.load(scenarioDir));
    }

    public static CaptureReplay start(Capture capture) {
        try {
            return new CaptureReplay(capture);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public Capture capture() {
        return capture;
    }

    /** The master's replication id, as the client must send it in DFLY FLOW. */
    public String replid() {
        return capture.replid();
    }

    /** Commands received on that session's control connection (flow -1) or flow, as space-joined words. */
    public synchronized List<String> commands(String syncId, int flowIdOrMinus1ForControl) {
        return List.copyOf(commands.getOrDefault(syncId + "/" + flowIdOrMinus1ForControl, List.of()));
    }

    /** Every {@code REPLCONF ACK} value received on that flow, in order. */
    public synchronized List<Long> acks(String syncId, int flow) {
        return List.copyOf(acks.getOrDefault(syncId + "/" + flow, List.of()));
    }

    /** Waits until that flow has ACKed at least {@code lsn}; tests of a live client need this, ACKs come on their own schedule. */
    public synchronized boolean awaitAck(String syncId, int flow, long lsn, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acks.getOrDefault(syncId + "/" + flow, List.of()).stream().noneMatch(a -> a >= lsn)) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || closed) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Mismatches with the capture: unexpected commands, wrong FLOW arguments or LSN, early closes, timeouts. */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** Legitimate differences from the captured replica worth knowing about: skipped optional commands, early closes of an abandoned session. */
    public synchronized List<String> deviations() {
        return List.copyOf(deviations);
    }

    /** Waits until every s2c byte of the last captured session was handed to the client's sockets. */
    public synchronized boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!sessionDelivered(capture.sessions().get(capture.sessions().size() - 1))) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || closed) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    @Override
    public void close() {
        List<Client> all;
        synchronized (this) {
            closed = true;
            notifyAll();
            all = new ArrayList<>(clients);
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Client c : all) c.close();
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ------------------------------------------------------------------ connections

    private final class Client {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final int number;
        Session session;
        int conn = -2; // captured connection; -2 = not classified yet
        int nextLine; // control: index of the next captured command to match
        final List<String> early = new ArrayList<>(); // commands before classification (AUTH)
        volatile boolean gone;

        Client(Socket socket, int number) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            this.out = socket.getOutputStream();
            this.number = number;
        }

        String label() {
            return conn >= 0 ? session.syncId() + (capture.flowIdOf(conn) < 0 ? " control" : " flow " + capture.flowIdOf(conn))
                    + " (captured conn " + conn + ")" : "connection #" + number;
        }

        void send(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
        }

        void send(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            send(b, 0, b.length);
        }

        void close() {
            gone = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private void acceptLoop() {
        int n = 0;
        while (true) {
            Socket s;
            try {
                s = server.accept();
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                return; // closed
            }
            try {
                Client c = new Client(s, n++);
                synchronized (this) {
                    if (closed) {
                        c.close();
                        return;
                    }
                    clients.add(c);
                }
                spawn("replay-read-" + c.number, () -> readLoop(c));
            } catch (IOException e) {
                problem("cannot serve an accepted connection: " + e.getMessage());
            }
        }
    }

    private void readLoop(Client c) {
        try {
            List<String> words;
            while ((words = readCommand(c.in)) != null) {
                if (words.isEmpty()) continue;
                handle(c, words);
            }
        } catch (IOException e) {
            // the client went away; same as EOF
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clientClosed(c);
        }
    }

    private void handle(Client c, List<String> words) throws IOException, InterruptedException {
        String key = Capture.matchKey(words);
        if (c.conn == -2) {
            if (key.equals("AUTH")) { // the captured master had no password; a client configured with one still works
                c.early.add(String.join(" ", words));
                c.send("+OK\r\n");
            } else if (key.equals("PING")) {
                startControl(c, words);
            } else if (key.equals("DFLY FLOW")) {
                startFlow(c, words);
            } else {
                problem(c.label() + ": unexpected first command '" + String.join(" ", words) + "'");
                c.send("-ERR unexpected command for a replication connection\r\n");
            }
        } else if (capture.flowIdOf(c.conn) < 0) {
            control(c, words, key);
        } else {
            record(c, words);
            if (key.equals("REPLCONF ack") && words.size() == 3) {
                try {
                    long v = Long.parseLong(words.get(2));
                    synchronized (this) {
                        acks.computeIfAbsent(c.session.syncId() + "/" + capture.flowIdOf(c.conn), k -> new ArrayList<>()).add(v);
                        notifyAll();
                    }
                } catch (NumberFormatException e) {
                    problem(c.label() + ": bad ACK '" + String.join(" ", words) + "'");
                }
            } else {
                // the master never answers on a flow: a reply would corrupt the journal stream it shares
                problem(c.label() + ": unexpected command on a flow '" + String.join(" ", words) + "'");
            }
        }
    }

    private void startControl(Client c, List<String> words) throws IOException, InterruptedException {
        synchronized (this) {
            if (sessionsStarted >= capture.sessions().size()) {
                problem(c.label() + ": a new control connection, but the capture has only " + capture.sessions().size() + " session(s)");
                c.send("-ERR the capture has no further session\r\n");
                return;
            }
            Session s = capture.sessions().get(sessionsStarted++);
            c.session = s;
            c.conn = s.controlConn();
            clientOf.put(c.conn, c);
            for (String e : c.early) commands.computeIfAbsent(s.syncId() + "/-1", k -> new ArrayList<>()).add(e);
        }
        control(c, words, Capture.matchKey(words));
    }

    private void control(Client c, List<String> words, String key) throws IOException, InterruptedException {
        record(c, words);
        List<Line> captured = capture.lines(c.conn);
        if (key.equals("REPLCONF ack")) {
            problem(c.label() + ": REPLCONF ACK belongs on a flow, not the control connection");
            return; // the master ignores it without a reply
        }
        int j = -1;
        for (int i = c.nextLine; i < captured.size(); i++) {
            if (Capture.matchKey(captured.get(i).words()).equals(key)) {
                j = i;
                break;
            }
        }
        if (j < 0) {
            if (key.equals("AUTH")) {
                c.send("+OK\r\n");
                return;
            }
            problem(c.label() + ": unexpected command '" + String.join(" ", words) + "' (captured next: "
                    + (c.nextLine < captured.size() ? "'" + captured.get(c.nextLine).text() + "'" : "nothing") + ")");
            c.send("-ERR unexpected command (not in the capture)\r\n");
            return;
        }
        Line line = captured.get(j);
        if ((key.equals("DFLY SYNC") || key.equals("DFLY STARTSTABLE"))
                && (words.size() != 3 || !words.get(2).equals(c.session.syncId()))) {
            problem(c.label() + ": '" + String.join(" ", words) + "' names the wrong session (expected " + c.session.syncId() + ")");
            c.send("-ERR syncid not found\r\n");
            return;
        }
        synchronized (this) {
            for (int i = c.nextLine; i < j; i++) waive(captured.get(i), c.label() + ": skipped captured command");
            c.nextLine = j + 1;
            if (key.equals("REPLCONF capa dragonfly")) {
                for (Line l : gating) {
                    if (capture.sessionOf(l.conn()).ordinal() < c.session.ordinal()) waive(l, null);
                }
            }
            satisfied.put(line, true);
            notifyAll();
        }
        ReplyBytes reply = capture.controlReplies(c.conn).get(j);
        if (key.equals("DFLY STARTSTABLE")) awaitFlowsBefore(c.session, reply.seq());
        c.send(capture.s2c(c.conn), reply.start(), reply.end() - reply.start());
        synchronized (this) {
            accounted.add(line);
        }
        delivered(c.conn, reply.end() - reply.start());
    }

    private void startFlow(Client c, List<String> words) throws IOException {
        String cmd = String.join(" ", words);
        if (words.size() < 5) {
            problem("connection #" + c.number + ": malformed '" + cmd + "'");
            c.send("-ERR syntax error\r\n");
            return;
        }
        if (!words.get(2).equals(capture.replid())) {
            problem("connection #" + c.number + ": '" + cmd + "' has the wrong master id (expected " + capture.replid() + ")");
            c.send("-ERR bad master id\r\n");
            return;
        }
        Session s = capture.session(words.get(3));
        Integer conn = null;
        try {
            conn = s == null ? null : s.flowConnById().get(Integer.parseInt(words.get(4)));
        } catch (NumberFormatException e) {
            // reported below
        }
        if (conn == null) {
            problem("connection #" + c.number + ": '" + cmd + "' names no captured flow");
            c.send(s == null ? "-ERR syncid not found\r\n" : "-ERR value is not an integer or out of range\r\n");
            return;
        }
        Line capturedFlow = capture.lines(conn).get(0);
        List<String> want = capturedFlow.words().subList(5, capturedFlow.words().size());
        List<String> got = words.subList(5, words.size());
        synchronized (this) {
            if (clientOf.containsKey(conn)) {
                problem("connection #" + c.number + ": '" + cmd + "' opens a flow that is already open");
                c.send("-ERR flow already registered\r\n");
                return;
            }
            if (!want.equals(got)) {
                problem(s.syncId() + " flow " + words.get(4) + ": wrong LSN in '" + cmd + "': the captured replica sent "
                        + (want.isEmpty() ? "none" : String.join(" ", want)) + ", this one " + (got.isEmpty() ? "none" : String.join(" ", got)));
            }
            c.session = s;
            c.conn = conn;
            clientOf.put(conn, c);
            for (String e : c.early) commands.computeIfAbsent(s.syncId() + "/" + capture.flowIdOf(conn), k -> new ArrayList<>()).add(e);
            // a client opens flows only after the handshake it means to do; what it left out will not come
            int firstFlowSeq = Integer.MAX_VALUE;
            for (int fc : s.flowConnById().values()) firstFlowSeq = Math.min(firstFlowSeq, capture.lines(fc).get(0).seq());
            for (Line l : capture.lines(s.controlConn())) {
                if (l.seq() < firstFlowSeq && !satisfied.get(l)) waive(l, s.syncId() + " control: not sent before the first FLOW");
            }
        }
        record(c, words);
        spawn("replay-flow-" + s.syncId() + "-" + words.get(4), () -> writeFlow(c));
    }

    private void writeFlow(Client c) {
        byte[] bytes = capture.s2c(c.conn);
        try {
            for (Read r : capture.s2cReads(c.conn)) {
                synchronized (this) {
                    while (!gateOpen(r.seq()) && !closed && !c.gone) wait();
                    if (closed || c.gone) return;
                }
                c.send(bytes, r.offset(), r.len());
                delivered(c.conn, r.len());
            }
        } catch (IOException e) {
            // the client closed the flow; clientClosed() judges whether that was expected
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when every control command captured before {@code seq} was received or waived. */
    private boolean gateOpen(int seq) {
        for (Line l : gating) {
            if (l.seq() >= seq) return true;
            if (!satisfied.get(l)) return false;
        }
        return true;
    }

    /**
     * Stops waiting for a gating command. {@code why} non-null means the client skipped it within a live
     * session: its captured reply will never be sent, and the session counts as delivered without it.
     */
    private void waive(Line l, String why) {
        if (satisfied.get(l)) return;
        satisfied.put(l, true);
        if (why != null) {
            deviations.add(why + " '" + l.text() + "'");
            accounted.add(l);
        }
    }

    private void awaitFlowsBefore(Session s, int seq) throws InterruptedException {
        long deadline = System.currentTimeMillis() + STARTSTABLE_WAIT_MS;
        synchronized (this) {
            for (int conn : s.flowConnById().values()) {
                long need = 0;
                for (Read r : capture.s2cReads(conn)) if (r.seq() < seq) need += r.len();
                while (written.get(conn) < need && !closed) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        problem(s.syncId() + ": STARTSTABLE answered although flow conn " + conn + " was handed only "
                                + written.get(conn) + " of the " + need + " bytes captured before the reply (is the client reading its flows?)");
                        return;
                    }
                    wait(left);
                }
            }
        }
    }

    private void delivered(int conn, long n) {
        Session cut = null;
        synchronized (this) {
            written.merge(conn, n, Long::sum);
            notifyAll();
            Session s = capture.sessionOf(conn);
            boolean last = s.ordinal() == capture.sessions().size() - 1;
            if (!last && s.reachedStable() && !cutScheduled.contains(s) && sessionDelivered(s)) {
                cutScheduled.add(s);
                cut = s;
            }
        }
        if (cut != null) {
            Session s = cut;
            spawn("replay-cut-" + s.syncId(), () -> cut(s));
        }
    }

    private boolean sessionDelivered(Session s) {
        if (!accounted.containsAll(capture.lines(s.controlConn()))) return false;
        for (int conn : s.flowConnById().values()) if (written.get(conn) < capture.s2c(conn).length) return false;
        return true;
    }

    /** Reproduces a connection cut from outside, after the client has demonstrably applied what it was sent. */
    private void cut(Session s) {
        List<Client> victims = new ArrayList<>();
        synchronized (this) {
            long deadline = System.currentTimeMillis() + CUT_ACK_WAIT_MS;
            try {
                while (!closed && !ackedLikeCapture(s) && System.currentTimeMillis() < deadline) {
                    wait(Math.max(1, deadline - System.currentTimeMillis()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cutting.add(s);
            victims.add(clientOf.get(s.controlConn()));
            for (int conn : s.flowConnById().values()) victims.add(clientOf.get(conn));
        }
        for (Client v : victims) {
            if (v == null) continue;
            try {
                v.socket.shutdownOutput(); // FIN after the data, not RST: the client still reads what it was sent
            } catch (IOException ignored) {
                // already closed by the client
            }
        }
        long until = System.currentTimeMillis() + CUT_ACK_WAIT_MS;
        for (Client v : victims) {
            if (v == null) continue;
            while (!v.gone && System.currentTimeMillis() < until) sleep(10);
            v.close();
        }
    }

    private boolean ackedLikeCapture(Session s) {
        for (Map.Entry<Integer, Integer> e : s.flowConnById().entrySet()) {
            long capturedMax = 0;
            for (Line l : capture.lines(e.getValue())) {
                if (Capture.matchKey(l.words()).equals("REPLCONF ack")) capturedMax = Math.max(capturedMax, Long.parseLong(l.words().get(2)));
            }
            List<Long> got = acks.getOrDefault(s.syncId() + "/" + e.getKey(), List.of());
            long max = got.stream().mapToLong(Long::longValue).max().orElse(0);
            if (max < capturedMax) return false;
        }
        return true;
    }

    private void clientClosed(Client c) {
        synchronized (this) {
            boolean wasGone = c.gone;
            c.gone = true;
            notifyAll();
            if (closed || wasGone || c.conn < 0) {
                c.close();
                return;
            }
            Session s = c.session;
            long got = written.get(c.conn);
            long all = capture.s2c(c.conn).length;
            boolean last = s.ordinal() == capture.sessions().size() - 1;
            if (cutting.contains(s)) {
                // the replay's own cut: the client closing in response is what a real replica does
            } else if (!last && !s.reachedStable()) {
                // a write is counted once it returned: a client that read all of it may close before the count does
                // (CI, loaded: "83760 of 95696" for a stand-in that had received every byte)
                long deadline = System.currentTimeMillis() + 1_000;
                while (got < all && System.currentTimeMillis() < deadline) {
                    try {
                        wait(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    got = written.get(c.conn);
                }
                if (got < all) deviations.add(c.label() + ": closed by the client after " + got + " of " + all + " captured bytes (abandoned session)");
            } else if (!last) {
                problem(c.label() + ": closed by the client before the captured cut (" + got + " of " + all + " bytes delivered)");
            } else if (!sessionDelivered(s)) {
                problem(c.label() + ": closed by the client after " + got + " of " + all + " bytes, before the last session was fully delivered");
            }
        }
        c.close();
    }

    private synchronized void record(Client c, List<String> words) {
        commands.computeIfAbsent(c.session.syncId() + "/" + capture.flowIdOf(c.conn), k -> new ArrayList<>()).add(String.join(" ", words));
    }

    private synchronized void problem(String p) {
        problems.add(p);
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        synchronized (this) {
            threads.add(t);
        }
        t.start();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One command, inline (as Dragonfly's replica sends) or as a RESP array (as most clients send); null at EOF. */
    static List<String> readCommand(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) return null;
        if (first == '*') {
            int n = Integer.parseInt(readLine(in));
            List<String> words = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String head = readLine(in);
                if (!head.startsWith("$")) throw new IOException("expected a bulk string, got '" + head + "'");
                byte[] b = in.readNBytes(Integer.parseInt(head.substring(1)));
                readLine(in);
                words.add(new String(b, StandardCharsets.ISO_8859_1));
            }
            return words;
        }
        String line = (char) first + readLine(in);
        String t = line.trim();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') b.write(ch);
        if (ch < 0) throw new IOException("connection closed mid-command");
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String toString() {
        return "CaptureReplay[" + capture.name() + " on 127.0.0.1:" + port() + "]";
    }
}
