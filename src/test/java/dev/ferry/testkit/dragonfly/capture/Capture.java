package dev.ferry.testkit.dragonfly.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scenario folder of the Dragonfly captures, decoded just enough to replay it: the proxy's reads in
 * global order, the replica's command lines with the read that completed each, the control connection's
 * replies cut into whole RESP values, and the sessions (SYNC1, SYNC2) with their connections.
 */
public final class Capture {

    /** One recv() of the proxy: bytes [offset, offset+len) of conn-{conn}.{c2s|s2c}.bin. */
    public record Read(int seq, int conn, boolean c2s, int offset, int len) {
    }

    /**
     * One command line the captured replica sent. {@code seq} is the read that carried its final byte: the
     * moment the master could have acted on it.
     */
    public record Line(int conn, int index, int seq, List<String> words) {
        public String text() {
            return String.join(" ", words);
        }
    }

    /** A control reply: bytes [start, end) of the control connection's s2c file; {@code seq} of its last byte. */
    public record ReplyBytes(int start, int end, int seq) {
    }

    /**
     * One replication session. {@code reachedStable} says the captured replica sent DFLY STARTSTABLE: a
     * session that got that far and still ended was cut from outside, not abandoned by the replica.
     */
    public record Session(String syncId, int ordinal, int controlConn, Map<Integer, Integer> flowConnById,
                          boolean reachedStable) {
    }

    private final String name;
    private final List<Read> reads;
    private final Map<Integer, byte[]> c2s = new TreeMap<>();
    private final Map<Integer, byte[]> s2c = new TreeMap<>();
    private final Map<Integer, List<Read>> s2cReads = new TreeMap<>();
    private final Map<Integer, List<Read>> c2sReads = new TreeMap<>();
    private final Map<Integer, List<Line>> lines = new TreeMap<>();
    private final Map<Integer, List<ReplyBytes>> controlReplies = new TreeMap<>();
    private final List<Session> sessions = new ArrayList<>();
    private final Map<Integer, Session> sessionOfConn = new HashMap<>();
    private final Map<Integer, Integer> flowIdOfConn = new HashMap<>();
    private final String replid;

    private Capture(Path dir) throws IOException {
        this.name = dir.getFileName().toString();
        ObjectMapper json = new ObjectMapper();
        List<Read> all = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("index.jsonl"))) {
            if (l.isBlank()) continue;
            JsonNode n = json.readTree(l);
            all.add(new Read(n.get("seq").asInt(), n.get("conn").asInt(), n.get("dir").asText().equals("c2s"),
                    n.get("offset").asInt(), n.get("len").asInt()));
        }
        all.sort((a, b) -> Integer.compare(a.seq(), b.seq()));
        this.reads = List.copyOf(all);
        for (Read r : reads) {
            (r.c2s() ? c2s : s2c).computeIfAbsent(r.conn(), c -> read(dir, c, r.c2s()));
            (r.c2s() ? c2sReads : s2cReads).computeIfAbsent(r.conn(), c -> new ArrayList<>()).add(r);
        }
        for (Read r : reads) { // connections the master never answered still have an (empty) s2c side
            s2c.computeIfAbsent(r.conn(), c -> read(dir, c, false));
            c2s.computeIfAbsent(r.conn(), c -> read(dir, c, true));
            s2cReads.computeIfAbsent(r.conn(), c -> new ArrayList<>());
        }
        for (int conn : c2s.keySet()) lines.put(conn, splitLines(conn));

        JsonNode scenario = json.readTree(dir.resolve("scenario.json").toFile());
        JsonNode byId = scenario.path("connections").path("sessions_by_sync_id");
        List<String> ids = new ArrayList<>();
        byId.fieldNames().forEachRemaining(ids::add);
        ids.sort((a, b) -> Integer.compare(byId.get(a).get("control_conn").asInt(), byId.get(b).get("control_conn").asInt()));
        for (String id : ids) {
            JsonNode s = byId.get(id);
            int control = s.get("control_conn").asInt();
            Map<Integer, Integer> flows = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("flow_conns").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flows.put(Integer.parseInt(e.getKey()), e.getValue().get("conn").asInt());
            }
            boolean stable = lines.getOrDefault(control, List.of()).stream()
                    .anyMatch(l -> matchKey(l.words()).equals("DFLY STARTSTABLE"));
            Session session = new Session(id, sessions.size(), control, Collections.unmodifiableMap(flows), stable);
            sessions.add(session);
            sessionOfConn.put(control, session);
            flowIdOfConn.put(control, -1);
            flows.forEach((flow, conn) -> {
                sessionOfConn.put(conn, session);
                flowIdOfConn.put(conn, flow);
            });
            controlReplies.put(control, splitReplies(control));
        }
        String id = null;
        for (Session s : sessions) {
            for (int conn : s.flowConnById().values()) {
                List<String> w = lines.get(conn).get(0).words();
                if (id == null) id = w.get(2);
            }
        }
        this.replid = id;
    }

    public static Capture load(Path dir) {
        try {
            return new Capture(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read capture " + dir, e);
        }
    }

    public static Capture load(String scenario) {
        return load(Captures.dir(scenario));
    }

    public String name() {
        return name;
    }

    public String replid() {
        return replid;
    }

    public List<Read> reads() {
        return reads;
    }

    public byte[] c2s(int conn) {
        return c2s.get(conn);
    }

    public byte[] s2c(int conn) {
        return s2c.get(conn);
    }

    public List<Read> s2cReads(int conn) {
        return s2cReads.get(conn);
    }

    public List<Line> lines(int conn) {
        return lines.get(conn);
    }

    public List<ReplyBytes> controlReplies(int controlConn) {
        return controlReplies.get(controlConn);
    }

    public List<Session> sessions() {
        return sessions;
    }

    public Session session(String syncId) {
        for (Session s : sessions) if (s.syncId().equals(syncId)) return s;
        return null;
    }

    public Session sessionOf(int conn) {
        return sessionOfConn.get(conn);
    }

    /** -1 for a control connection. */
    public int flowIdOf(int conn) {
        return flowIdOfConn.get(conn);
    }

    public List<Integer> conns() {
        return new ArrayList<>(c2s.keySet());
    }

    /**
     * How commands are paired with the capture despite a different client: the command words without the
     * values that legitimately differ (port, client id, version, ACK value, the sync id checked separately).
     */
    public static String matchKey(List<String> words) {
        if (words.isEmpty()) return "";
        String cmd = words.get(0).toUpperCase(Locale.ROOT);
        if (cmd.equals("REPLCONF") && words.size() > 1) {
            String sub = words.get(1).toLowerCase(Locale.ROOT);
            if (sub.equals("capa")) {
                StringBuilder sb = new StringBuilder("REPLCONF");
                for (String w : words.subList(1, words.size())) sb.append(' ').append(w.toLowerCase(Locale.ROOT));
                return sb.toString();
            }
            return "REPLCONF " + sub;
        }
        if (cmd.equals("DFLY") && words.size() > 1) return "DFLY " + words.get(1).toUpperCase(Locale.ROOT);
        return cmd;
    }

    private static byte[] read(Path dir, int conn, boolean c2s) {
        Path p = dir.resolve("conn-" + conn + (c2s ? ".c2s.bin" : ".s2c.bin"));
        try {
            return Files.exists(p) ? Files.readAllBytes(p) : new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The captured replica speaks inline commands, one per CRLF line; nothing binary travels client to server. */
    private List<Line> splitLines(int conn) {
        byte[] b = c2s.get(conn);
        List<Line> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\n') continue;
            int end = i > start && b[i - 1] == '\r' ? i - 1 : i;
            String text = new String(b, start, end - start, StandardCharsets.ISO_8859_1);
            out.add(new Line(conn, out.size(), seqOf(conn, true, i), List.of(text.trim().split("\\s+"))));
            start = i + 1;
        }
        return Collections.unmodifiableList(out);
    }

    private List<ReplyBytes> splitReplies(int conn) {
        byte[] b = s2c.get(conn);
        List<ReplyBytes> out = new ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            int end = respEnd(b, pos);
            out.add(new ReplyBytes(pos, end, seqOf(conn, false, end - 1)));
            pos = end;
        }
        return Collections.unmodifiableList(out);
    }

    private int seqOf(int conn, boolean c2sDir, int byteOffset) {
        List<Read> rs = (c2sDir ? c2sReads : s2cReads).getOrDefault(conn, List.of());
        int lo = 0;
        int hi = rs.size() - 1;
        while (lo <= hi) { // the reads of one direction tile the file in order
            int mid = (lo + hi) >>> 1;
            Read r = rs.get(mid);
            if (byteOffset < r.offset()) hi = mid - 1;
            else if (byteOffset >= r.offset() + r.len()) lo = mid + 1;
            else return r.seq();
        }
        throw new IllegalStateException(name + ": no read covers byte " + byteOffset + " of conn " + conn);
    }

    /** End of the RESP value starting at {@code pos}. */
    static int respEnd(byte[] b, int pos) {
        int eol = lineEnd(b, pos);
        String head = new String(b, pos + 1, eol - pos - 1, StandardCharsets.ISO_8859_1);
        switch (b[pos]) {
            case '+', '-', ':':
                return eol + 2;
            case '$': {
                int len = Integer.parseInt(head);
                return len < 0 ? eol + 2 : eol + 2 + len + 2;
            }
            case '*': {
                int n = Integer.parseInt(head);
                int p = eol + 2;
                for (int i = 0; i < n; i++) p = respEnd(b, p);
                return p;
            }
            default:
                throw new IllegalStateException("not RESP at byte " + pos + ": " + Arrays.toString(Arrays.copyOfRange(b, pos, Math.min(b.length, pos + 8))));
        }
    }

    private static int lineEnd(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) if (b[i] == '\r' && b[i + 1] == '\n') return i;
        throw new IllegalStateException("unterminated RESP line at byte " + from);
    }
}
