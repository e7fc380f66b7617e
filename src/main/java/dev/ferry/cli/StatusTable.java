package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A running Ferry's {@code /status} JSON (docs: the status schema of issue 14) as the lines of a terminal table,
 * for {@code ferry status}. Every field is optional here: a Ferry older or newer than this one, or a run still
 * starting, leaves fields out or null, and each such value prints as {@code -} instead of failing, so the table of
 * whatever the server did send always renders. Plain ASCII, as all of Ferry's terminal output.
 */
final class StatusTable {
    /** What a missing or null value prints as. */
    static final String NONE = "-";
    /**
     * A live run writes its checkpoint once a second; older than this, a restart would repeat that much, and
     * usually something stops the writes (the target refusing them, a target failover under way).
     */
    static final double OLD_CHECKPOINT_SECONDS = 10;
    /** Reasons shown per kind (skipped, failed, warned): the most frequent; the rest are counted. */
    static final int TOP_REASONS = 3;
    private static final int MAX_CELL = 40;
    private static final int MAX_TEXT = 100;

    private StatusTable() {
    }

    static List<String> render(JsonNode status) {
        List<String> lines = new ArrayList<>();
        header(status, lines);
        lines.add("");
        shards(status.path("shards"), lines);
        lines.add("");
        writer(status.path("writer"), lines);
        lines.add("");
        outcomes(status, lines);
        lines.add(checkpoint(status.path("checkpoint"), text(status, "phase")));
        JsonNode verify = status.path("verify");
        if (verify.isObject()) lines.add(verify(verify));
        return lines;
    }

    private static void header(JsonNode s, List<String> lines) {
        lines.add("ferry " + or(text(s, "command")) + "  phase " + or(text(s, "phase")) + "  " + or(text(s, "source"))
                + " -> " + or(text(s, "target")));
        Double up = number(s, "uptimeSeconds");
        lines.add("up " + (up == null ? NONE : Progress.duration(up)) + "  run " + or(text(s, "runId"))
                + "  version " + or(text(s, "ferry")) + "  at " + or(text(s, "now")));
        JsonNode keys = s.path("keys");
        lines.add("keys: " + integer(keys, "read") + " read" + expected(keys) + ", " + integer(keys, "written") + " written, "
                + integer(keys, "filtered") + " filtered");
    }

    /**
     * A snapshot's progress in keys, where its RDB said how many it holds ({@code keys.expected}, newer servers):
     * " of 2,000 (60.0%, ETA 0:12)"; nothing when unknown.
     */
    private static String expected(JsonNode keys) {
        if (number(keys, "expected") == null) return "";
        Double percent = number(keys, "percent");
        Double eta = number(keys, "etaSeconds");
        String detail = (percent == null ? "" : String.format(Locale.ROOT, "%.1f%%", percent))
                + (eta == null ? "" : (percent == null ? "" : ", ") + "ETA " + Progress.duration(eta));
        return " of " + integer(keys, "expected") + (detail.isEmpty() ? "" : " (" + detail + ")");
    }

    private static void shards(JsonNode shards, List<String> lines) {
        Table t = new Table("SHARD", "PHASE", "POSITION", "SNAPSHOT", "READ", "LAG", "BEHIND", "RECONNECTS", "RESYNCS")
                .right(4, 5, 6, 7, 8);
        List<String> notes = new ArrayList<>();
        for (JsonNode shard : shards) {
            if (!shard.isObject()) continue;
            JsonNode lag = shard.path("lag");
            t.row(or(text(shard, "name")), or(text(shard, "phase")), position(shard), snapshot(shard.path("snapshot")),
                    rate(number(shard, "readRate")), seconds(number(lag, "seconds")), behind(lag),
                    integer(shard, "reconnects"), integer(shard, "resyncs"));
            String note = text(shard, "note");
            if (note != null) notes.add("  " + or(text(shard, "name")) + ": " + cut(note, MAX_TEXT));
        }
        if (t.isEmpty()) {
            lines.add("shards: " + NONE);
            return;
        }
        lines.addAll(t.lines());
        lines.addAll(notes);
    }

    private static void writer(JsonNode w, List<String> lines) {
        if (!w.isObject()) {
            lines.add("writer: " + NONE);
            return;
        }
        lines.add("writer: " + integer(w, "keysWritten") + " keys written, " + integer(w, "commandsApplied")
                + " commands applied (" + rate(number(w, "writeRate")) + "), " + bytes(number(w, "bytesSent")) + " sent, "
                + integer(w, "reconnects") + " reconnects");
        Table nodes = new Table("NODE", "CONNECTIONS", "IN FLIGHT").right(1, 2);
        for (JsonNode n : w.path("nodes")) {
            if (n.isObject()) nodes.row(or(text(n, "address")), integer(n, "connections"), integer(n, "inFlight"));
        }
        if (!nodes.isEmpty()) lines.addAll(nodes.lines());
        JsonNode errors = w.path("errors");
        if (!errors.isObject()) {
            lines.add("errors: " + NONE);
            return;
        }
        List<Map.Entry<String, JsonNode>> kinds = new ArrayList<>(errors.properties());
        kinds.sort(Comparator.comparingLong((Map.Entry<String, JsonNode> e) -> -e.getValue().asLong(0)));
        List<String> words = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : kinds) {
            words.add(e.getKey() + " " + (e.getValue().isNumber() ? String.format(Locale.ROOT, "%,d", e.getValue().asLong()) : NONE));
        }
        lines.add("errors: " + (words.isEmpty() ? "none" : String.join(", ", words)));
    }

    /** The keys not applied exactly, by kind, each kind's most frequent reasons with one example each. */
    private static void outcomes(JsonNode s, List<String> lines) {
        String[] kinds = {"skipped", "failed", "warned"};
        List<String> totals = new ArrayList<>();
        for (String kind : kinds) totals.add(kind + " " + integer(s.path(kind), "total"));
        lines.add(String.join(", ", totals));
        Table t = new Table().right(1);
        List<String> more = new ArrayList<>();
        for (String kind : kinds) {
            List<JsonNode> reasons = new ArrayList<>();
            for (JsonNode r : s.path(kind).path("reasons")) if (r.isObject()) reasons.add(r);
            reasons.sort(Comparator.comparingLong((JsonNode r) -> -r.path("count").asLong(0)));
            for (JsonNode r : reasons.subList(0, Math.min(TOP_REASONS, reasons.size()))) {
                JsonNode examples = r.path("examples");
                String example = examples.isArray() && examples.size() > 0 && !examples.get(0).isNull()
                        ? " (e.g. " + cut(examples.get(0).asText(), MAX_TEXT) + ")" : "";
                t.row("  " + kind, integer(r, "count"), cut(or(text(r, "reason")), MAX_TEXT) + example);
            }
            if (reasons.size() > TOP_REASONS) more.add("  " + kind + ": " + (reasons.size() - TOP_REASONS) + " more reasons");
        }
        lines.addAll(t.lines());
        lines.addAll(more);
    }

    private static String checkpoint(JsonNode c, String phase) {
        if (!c.isObject()) return "checkpoint: " + NONE;
        if (c.path("enabled").isBoolean() && !c.path("enabled").asBoolean()) return "checkpoint: off";
        String line = "checkpoint (prefix " + or(text(c, "prefix")) + "): ";
        Double age = number(c, "ageSeconds");
        if (age == null) return line + (text(c, "lastWrittenAt") == null ? "none written yet" : "written at " + text(c, "lastWrittenAt"));
        line += "written " + seconds(age) + " ago";
        if ("live".equals(phase) && age > OLD_CHECKPOINT_SECONDS) {
            line += "  OLD: a live run writes it every second; a restart now would repeat what came since";
        }
        return line;
    }

    /** A verify's round and whichever of its counts the server sends (the schema's and the server's names). */
    private static String verify(JsonNode v) {
        StringBuilder b = new StringBuilder("verify: round " + integer(v, "round") + " of " + integer(v, "rounds"));
        String[][] counts = {{"keysCompared", "keys compared"}, {"sourceKeysChecked", "source keys checked"},
            {"targetKeysChecked", "target keys checked"}, {"candidates", "candidates"}, {"different", "different"},
            {"missing", "missing"}, {"extra", "extra"}};
        for (String[] c : counts) {
            if (v.has(c[0])) b.append(", ").append(integer(v, c[0])).append(' ').append(c[1]);
        }
        return b.toString();
    }

    /** The shard's position in a few words from its typed form, else the server's wording, else {@code -}. */
    static String position(JsonNode shard) {
        JsonNode p = shard.path("position");
        String kind = text(p, "kind");
        String words = null;
        if ("repl".equals(kind)) {
            words = "offset " + integer(p, "offset");
        } else if ("flow".equals(kind)) {
            words = "flow " + integer(p, "flow") + " LSN " + integer(p, "lsn");
        } else if ("file".equals(kind)) {
            words = "file offset " + integer(p, "offset");
        } else if ("scan".equals(kind)) {
            words = "db " + integer(p, "db") + " cursor " + or(text(p, "cursor"));
        }
        if (words == null) words = text(shard, "positionText");
        return cut(or(words), MAX_CELL);
    }

    static String snapshot(JsonNode s) {
        if (!s.isObject()) return NONE;
        if (s.path("done").asBoolean(false)) return "done";
        Double percent = number(s, "percent");
        String done = percent != null ? String.format(Locale.ROOT, "%.1f%%", percent) : count(number(s, "keysRead")) + " keys";
        Double eta = number(s, "etaSeconds");
        return done + " ETA " + (eta == null ? NONE : Progress.duration(eta));
    }

    /** How far the shard is behind the source: bytes (Redis) or records (Dragonfly, scan), whichever is known. */
    static String behind(JsonNode lag) {
        Double bytes = number(lag, "bytes");
        if (bytes != null) return bytes(bytes);
        Double records = number(lag, "records");
        return records == null ? NONE : count(records) + " rec";
    }

    static String rate(Double perSecond) {
        if (perSecond == null || perSecond.isNaN() || perSecond < 0) return NONE;
        return count(perSecond) + "/s";
    }

    /** 950, 9.5, 1.2k, 3.4M: a count or rate in at most four figures. */
    static String count(Double n) {
        if (n == null || n.isNaN() || n < 0) return NONE;
        if (n < 10 && n != Math.rint(n)) return String.format(Locale.ROOT, "%.1f", n);
        if (n < 1000) return String.format(Locale.ROOT, "%.0f", n);
        if (n < 999_950) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        if (n < 999_950_000) return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        return String.format(Locale.ROOT, "%.1fG", n / 1e9);
    }

    static String seconds(Double s) {
        if (s == null || s.isNaN() || s < 0) return NONE;
        return s < 60 ? String.format(Locale.ROOT, "%.1fs", s) : Progress.duration(s);
    }

    static String bytes(Double b) {
        return b == null || b < 0 ? NONE : Progress.bytes(Math.round(b));
    }

    /** A whole number with thousands separators, or {@code -}. */
    static String integer(JsonNode node, String field) {
        Double n = number(node, field);
        return n == null ? NONE : String.format(Locale.ROOT, "%,d", Math.round(n));
    }

    /** The field's number; null when it is missing, null or not a number. */
    static Double number(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNumber() ? v.asDouble() : null;
    }

    /** The field's text; null when it is missing or null (a number or boolean is given as its JSON text). */
    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) return null;
        return v.isValueNode() ? v.asText() : v.toString();
    }

    private static String or(String s) {
        return s == null || s.isEmpty() ? NONE : oneLine(s);
    }

    /** A server's text on one line, without control characters that would move the cursor of the terminal. */
    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString();
    }

    private static String cut(String s, int max) {
        s = oneLine(s);
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** Columns padded to their widest cell, two spaces apart; numbers right-aligned. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final String[] head;
        private boolean[] right = new boolean[0];

        Table(String... head) {
            this.head = head;
        }

        Table right(int... columns) {
            for (int c : columns) {
                if (c >= right.length) right = java.util.Arrays.copyOf(right, c + 1);
                right[c] = true;
            }
            return this;
        }

        void row(String... cells) {
            rows.add(cells);
        }

        boolean isEmpty() {
            return rows.isEmpty();
        }

        List<String> lines() {
            List<String[]> all = new ArrayList<>();
            if (head.length > 0) all.add(head);
            all.addAll(rows);
            int columns = all.stream().mapToInt(r -> r.length).max().orElse(0);
            int[] width = new int[columns];
            for (String[] r : all) for (int c = 0; c < r.length; c++) width[c] = Math.max(width[c], r[c].length());
            List<String> out = new ArrayList<>();
            for (String[] r : all) {
                StringBuilder b = new StringBuilder();
                for (int c = 0; c < r.length; c++) {
                    if (c > 0) b.append("  ");
                    String pad = " ".repeat(width[c] - r[c].length());
                    boolean alignRight = c < right.length && right[c];
                    b.append(alignRight ? pad + r[c] : r[c] + pad);
                }
                out.add(b.toString().stripTrailing());
            }
            return out;
        }
    }
}
