package dev.ferry.testkit;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Compares two datasets value by value, for tests that end with "the target equals the source": every key on
 * both sides, its type, its value (Redis's own DEBUG DIGEST-VALUE, which covers every element: a list in order, a
 * hash's fields and values, a set's members, a sorted set's members with their scores, a stream's entries with
 * their IDs; plus a stream's groups, consumers and pending entries from XINFO STREAM FULL), and whether it has a
 * TTL (a TTL on one side only is a difference; the exact times are not compared: a copy may set them a few
 * milliseconds apart). Target keys under {@link #CHECKPOINT_PREFIX} are Ferry's own bookkeeping and left out.
 *
 * <p>A failed comparison lists the first {@value #SHOWN} differing keys, each with what differs read type by
 * type from both servers (lengths, the elements only one side holds, TTLs), so the message alone says what went
 * wrong.
 */
public final class DatasetDiff {
    /** Ferry keeps its checkpoints on the target under this prefix (issue 12): not data, never compared. */
    public static final String CHECKPOINT_PREFIX = "ferry:ckpt:";
    static final int SHOWN = 20;
    private static final byte[] CHECKPOINT = CHECKPOINT_PREFIX.getBytes(StandardCharsets.UTF_8);

    private DatasetDiff() {
    }

    /** What one side is made of: a server, or the masters of a cluster as they are when it is read (after failovers). */
    public record Side(String name, Supplier<List<RedisServer>> nodes) {
        public static Side of(String name, RedisServer server) {
            return new Side(name, () -> List.of(server));
        }

        public static Side of(String name, RedisCluster cluster) {
            return new Side(name, cluster::masters);
        }
    }

    /** What is compared of one key. {@code stream} is XINFO STREAM FULL without access statistics, or null. */
    public record KeyState(String type, String digest, boolean ttl, String stream) {
        @Override
        public String toString() {
            return type + (ttl ? " with TTL" : " without TTL") + " digest " + digest.substring(0, Math.min(12, digest.length()));
        }
    }

    /** Every key of {@code side}, as "db:key" (key bytes as ISO-8859-1, so binary keys survive), checkpoints left out. */
    public static Map<String, KeyState> read(Side side) {
        Map<String, KeyState> out = new TreeMap<>();
        for (RedisServer node : side.nodes().get()) {
            try (RespConnection c = Datasets.connect(node)) {
                for (int db : Datasets.dbsWithKeys(c)) {
                    c.callOk("SELECT", Integer.toString(db));
                    List<byte[]> keys = Datasets.scanAll(c);
                    keys.removeIf(DatasetDiff::isCheckpoint);
                    for (int from = 0; from < keys.size(); from += 1000) {
                        List<byte[]> batch = keys.subList(from, Math.min(keys.size(), from + 1000));
                        List<KeyState> states = describe(c, batch);
                        for (int i = 0; i < batch.size(); i++) {
                            // a key that expired between SCAN and now is gone: not part of the dataset
                            if (states.get(i) != null) out.put(db + ":" + latin1(batch.get(i)), states.get(i));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Whether any node of {@code side} holds a key under {@link #CHECKPOINT_PREFIX}, in any db. */
    public static boolean hasCheckpoint(Side side) {
        for (RedisServer node : side.nodes().get()) {
            try (RespConnection c = Datasets.connect(node)) {
                for (int db : Datasets.dbsWithKeys(c)) {
                    c.callOk("SELECT", Integer.toString(db));
                    for (dev.ferry.resp.Reply key : c.callOk("KEYS", CHECKPOINT_PREFIX + "*").asList()) {
                        if (continuable(c.callOk("HGETALL", key.asText()).asList())) return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Whether a checkpoint hash holds something a restart continues from: a position or a guard, or an identity that
     * says the run wrote into the target. A run killed before its first write leaves only an identity with no written
     * db: Ferry rightly treats that as no checkpoint (nothing to resume, nothing to protect) and says nothing.
     */
    private static boolean continuable(List<dev.ferry.resp.Reply> fields) {
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            String f = fields.get(i).asText();
            if (f.startsWith("at:") || f.startsWith("g:")) return true;
            if (f.equals("meta")) {
                dev.ferry.checkpoint.RunIdentity id = dev.ferry.checkpoint.RunIdentity.parse(fields.get(i + 1).asText());
                if (id == null || !id.written().isEmpty()) return true;
            }
        }
        return false;
    }

    static boolean isCheckpoint(byte[] key) {
        if (key.length < CHECKPOINT.length) return false;
        for (int i = 0; i < CHECKPOINT.length; i++) if (key[i] != CHECKPOINT[i]) return false;
        return true;
    }

    /** Null when equal; else how many keys differ and the first {@value #SHOWN} of them in detail. */
    public static String compare(Side source, Side target) {
        return compare(source, read(source), target, read(target));
    }

    public static String compare(Side source, Map<String, KeyState> a, Side target, Map<String, KeyState> b) {
        List<String> keys = differingKeys(a, b);
        if (keys.isEmpty()) return null;
        StringBuilder sb = new StringBuilder();
        sb.append(keys.size()).append(" key(s) differ between ").append(source.name()).append(" (").append(a.size())
                .append(" keys) and ").append(target.name()).append(" (").append(b.size()).append(" keys)");
        for (String k : keys.subList(0, Math.min(SHOWN, keys.size()))) {
            sb.append("\n  ").append(printable(k)).append(": ");
            try {
                sb.append(detail(k, source, a.get(k), target, b.get(k)));
            } catch (RuntimeException e) {
                sb.append(source.name()).append("=").append(a.get(k)).append(", ").append(target.name()).append("=")
                        .append(b.get(k)).append(" (details unreadable: ").append(e.getMessage()).append(')');
            }
        }
        if (keys.size() > SHOWN) sb.append("\n  ... and ").append(keys.size() - SHOWN).append(" more");
        return sb.toString();
    }

    /** Keys present on one side only or described differently, sorted. */
    public static List<String> differingKeys(Map<String, KeyState> a, Map<String, KeyState> b) {
        TreeSet<String> all = new TreeSet<>(a.keySet());
        all.addAll(b.keySet());
        List<String> out = new ArrayList<>();
        for (String k : all) if (!Objects.equals(a.get(k), b.get(k))) out.add(k);
        return out;
    }

    /** Fails with the comparison's report unless the two sides hold the same data. */
    public static void assertEqual(Side source, Side target) {
        String diff = compare(source, target);
        if (diff != null) throw new AssertionError(diff);
    }

    /**
     * Compares until the two sides are equal, for a copy still catching up: at most {@code timeout}, then fails with
     * what still differs. {@code check} runs before every round (e.g. fails at once when the copying process died).
     */
    public static void awaitEqual(Side source, Side target, Duration timeout, Runnable check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int rounds = 0;
        while (true) {
            check.run();
            Map<String, KeyState> a = read(source);
            Map<String, KeyState> b = read(target);
            rounds++;
            if (differingKeys(a, b).isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toSeconds() + " s (" + rounds + " comparisons) for "
                        + target.name() + " to equal " + source.name() + "; still: " + compare(source, a, target, b));
            }
            RedisTools.sleep(Duration.ofMillis(300));
        }
    }

    // ---------------------------------------------------------------- reading

    private static List<KeyState> describe(RespConnection c, List<byte[]> keys) {
        try {
            RespOutput out = new RespOutput(64 * 1024);
            for (byte[] key : keys) {
                out.command(2).arg(b("TYPE")).arg(key);
                out.command(3).arg(b("DEBUG")).arg(b("DIGEST-VALUE")).arg(key);
                out.command(2).arg(b("PTTL")).arg(key);
            }
            out.writeTo(c.output());
            c.output().flush();
            List<KeyState> states = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                String type = c.reader().read().asText();
                String digest = c.reader().read().asList().get(0).asText();
                long pttl = c.reader().read().asLong();
                states.add(type.equals("none") || pttl == -2 ? null : new KeyState(type, digest, pttl >= 0, null));
            }
            for (int i = 0; i < keys.size(); i++) {
                KeyState s = states.get(i);
                if (s != null && s.type().equals("stream")) {
                    Reply info = c.call(b("XINFO"), b("STREAM"), keys.get(i), b("FULL"));
                    states.set(i, new KeyState(s.type(), s.digest(), s.ttl(), maskUnreplicated(Datasets.withoutIdleStats(info))));
                }
            }
            return states;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A group's entries-read (and the lag XINFO derives from it) is not carried by replication (XREADGROUP reaches a
     * replica as XCLAIM ... LASTID), so a real replica shows it unset too: not data.
     */
    static String maskUnreplicated(String described) {
        return described.replaceAll("entries-read, [^,\\]]+", "entries-read, *").replaceAll("lag, [^,\\]]+", "lag, *");
    }

    // ---------------------------------------------------------------- explaining one difference

    private static String detail(String dbKey, Side source, KeyState a, Side target, KeyState b) {
        int colon = dbKey.indexOf(':');
        int db = Integer.parseInt(dbKey.substring(0, colon));
        byte[] key = dbKey.substring(colon + 1).getBytes(StandardCharsets.ISO_8859_1);
        if (a == null) return "only on " + target.name() + " (" + b + ": " + summary(values(target, db, key, b.type())) + ")";
        if (b == null) return "only on " + source.name() + " (" + a + ": " + summary(values(source, db, key, a.type())) + ")";
        if (!a.type().equals(b.type())) return "type " + a.type() + " on " + source.name() + ", " + b.type() + " on " + target.name();
        StringBuilder sb = new StringBuilder(a.type());
        if (a.ttl() != b.ttl()) {
            sb.append(", TTL ").append(a.ttl() ? "set" : "none").append(" on ").append(source.name()).append(" but ")
                    .append(b.ttl() ? "set" : "none").append(" on ").append(target.name());
        }
        if (!a.digest().equals(b.digest()) || !Objects.equals(a.stream(), b.stream())) {
            List<String> va = values(source, db, key, a.type());
            List<String> vb = values(target, db, key, b.type());
            sb.append(", ").append(va.size()).append(" element(s) on ").append(source.name()).append(", ").append(vb.size())
                    .append(" on ").append(target.name());
            sb.append("; only on ").append(source.name()).append(": ").append(firstMissing(va, vb));
            sb.append("; only on ").append(target.name()).append(": ").append(firstMissing(vb, va));
        }
        return sb.toString();
    }

    /** Up to 3 elements of {@code from} that {@code other} lacks (as multisets). */
    private static String firstMissing(List<String> from, List<String> other) {
        Map<String, Integer> left = new HashMap<>();
        for (String s : other) left.merge(s, 1, Integer::sum);
        List<String> missing = new ArrayList<>();
        int total = 0;
        for (String s : from) {
            Integer n = left.get(s);
            if (n != null && n > 0) {
                left.put(s, n - 1);
            } else {
                total++;
                if (missing.size() < 3) missing.add(s);
            }
        }
        return total == 0 ? "nothing" : total + " " + missing + (total > 3 ? "..." : "");
    }

    private static String summary(List<String> values) {
        return values.size() + " element(s) " + values.subList(0, Math.min(3, values.size())) + (values.size() > 3 ? "..." : "");
    }

    /**
     * The key's value read type by type, as comparable text elements: a string as one element, a list as
     * "index=element" (order matters), a hash as sorted "field=value", a set sorted, a sorted set as "member=score" in
     * rank order, a stream as "id field value..." then its groups.
     */
    private static List<String> values(Side side, int db, byte[] key, String type) {
        for (RedisServer node : side.nodes().get()) {
            try (RespConnection c = Datasets.connect(node)) {
                c.callOk("SELECT", Integer.toString(db));
                Reply exists = c.call(b("EXISTS"), key);
                if (exists.isError() || exists.asLong() == 0) continue; // MOVED: another master of a cluster holds it
                return values(c, key, type);
            }
        }
        return List.of("<gone>");
    }

    private static List<String> values(RespConnection c, byte[] key, String type) {
        List<String> out = new ArrayList<>();
        switch (type) {
            case "string" -> out.add(printable(bulk(c.call(b("GET"), key))));
            case "list" -> {
                List<Reply> items = c.call(b("LRANGE"), key, b("0"), b("-1")).asList();
                for (int i = 0; i < items.size(); i++) out.add(i + "=" + printable(bulk(items.get(i))));
            }
            case "hash" -> {
                List<Reply> items = c.call(b("HGETALL"), key).asList();
                for (int i = 0; i + 1 < items.size(); i += 2) out.add(printable(bulk(items.get(i))) + "=" + printable(bulk(items.get(i + 1))));
                Collections.sort(out);
            }
            case "set" -> {
                for (Reply r : c.call(b("SMEMBERS"), key).asList()) out.add(printable(bulk(r)));
                Collections.sort(out);
            }
            case "zset" -> {
                List<Reply> items = c.call(b("ZRANGE"), key, b("0"), b("-1"), b("WITHSCORES")).asList();
                for (int i = 0; i + 1 < items.size(); i += 2) out.add(printable(bulk(items.get(i))) + "=" + bulk(items.get(i + 1)));
            }
            case "stream" -> {
                for (Reply e : c.call(b("XRANGE"), key, b("-"), b("+")).asList()) {
                    List<Reply> entry = e.asList();
                    StringBuilder sb = new StringBuilder(entry.get(0).asText());
                    for (Reply f : entry.get(1).asList()) sb.append(' ').append(printable(bulk(f)));
                    out.add(sb.toString());
                }
                Reply full = c.call(b("XINFO"), b("STREAM"), key, b("FULL"));
                out.add("info " + maskUnreplicated(Datasets.withoutIdleStats(full)));
            }
            default -> out.add("<" + type + ">");
        }
        return out;
    }

    private static String bulk(Reply r) {
        return r instanceof Reply.Bulk bulk && bulk.bytes() != null ? latin1(bulk.bytes()) : String.valueOf(r);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Printable ASCII as is, anything else as \xNN; long texts cut at 80 characters. */
    static String printable(String latin1) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < latin1.length() && sb.length() < 80; i++) {
            char ch = latin1.charAt(i);
            if (ch >= 0x20 && ch < 0x7f) sb.append(ch);
            else sb.append(String.format("\\x%02x", (int) ch));
        }
        if (sb.length() >= 80 && latin1.length() > 80) sb.append("...(").append(latin1.length()).append(" bytes)");
        return sb.toString();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
