package dev.ferry.testkit.dragonfly.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.testkit.dragonfly.capture.Difference.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * A capture's {@code expected.json}: the master's dataset right before the replica stopped, and the
 * comparison of a live target against it.
 *
 * <p>Expiry is judged against a {@code nowMs} the caller passes, never a fixed date: the captures were taken
 * on 2026-11-21 and their TTL keys expire over the following day, so which keys must exist depends on when
 * the test runs. Absolute expiries are compared exactly, because a replica (and Ferry) copies PEXPIREAT
 * values rather than recomputing them. Hash field and set member TTLs exist in the file only as seconds left
 * at dump time, so those are compared to within a few seconds.
 */
public final class ExpectedDataset {
    private static final int BATCH = 500;
    private static final long FIELD_TTL_TOLERANCE_MS = 3_000;

    /** A value as expected.json describes it, by type. */
    public sealed interface Value permits StringValue, HashValue, ListValue, SetValue, ZSetValue, StreamValue, RawValue {
    }

    public record StringValue(Bytes value) implements Value {
    }

    /** {@code fieldTtlS}: seconds each field had left when the dump was taken (fields without a TTL absent). */
    public record HashValue(Map<Bytes, Bytes> fields, Map<Bytes, Long> fieldTtlS) implements Value {
    }

    public record ListValue(List<Bytes> items) implements Value {
    }

    public record SetValue(Set<Bytes> members, Map<Bytes, Long> memberTtlS) implements Value {
    }

    /** Members in ZRANGE order, each with the server's score text ("-inf", "1e-7"); compare {@link #numeric}. */
    public record ZSetValue(List<ZMember> members) implements Value {
    }

    public record ZMember(Bytes member, String score) {
        public double numeric() {
            return parseScore(score);
        }
    }

    public record StreamValue(long length, List<StreamEntry> entries, JsonNode xinfoFull) implements Value {
    }

    public record StreamEntry(String id, List<Bytes> fieldsAndValues) {
    }

    /** JSON, bloom, CMS, TOPK, cuckoo: kept as the dumper wrote them. */
    public record RawValue(JsonNode json) implements Value {
    }

    /** One key. {@code expireAtMs} is null without a TTL. */
    public record Entry(int db, Bytes key, String type, Long expireAtMs, Value value) {
        public boolean expiredAt(long nowMs) {
            return expireAtMs != null && expireAtMs <= nowMs;
        }
    }

    public record Db(int index, long dbsize, SortedMap<Bytes, Entry> keys) {
    }

    private final long takenAtUnixMs;
    private final String serverVersion;
    private final SortedMap<Integer, Db> dbs;

    private ExpectedDataset(JsonNode root) {
        this.takenAtUnixMs = root.path("taken_at_unix_ms").asLong();
        this.serverVersion = root.path("server_version").asText();
        SortedMap<Integer, Db> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("dbs").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> d = it.next();
            int db = Integer.parseInt(d.getKey());
            SortedMap<Bytes, Entry> keys = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> ks = d.getValue().path("keys").fields(); ks.hasNext(); ) {
                Map.Entry<String, JsonNode> k = ks.next();
                Bytes key = Bytes.fromKeyName(k.getKey());
                keys.put(key, parseEntry(db, key, k.getValue()));
            }
            out.put(db, new Db(db, d.getValue().path("dbsize").asLong(), Collections.unmodifiableSortedMap(keys)));
        }
        this.dbs = Collections.unmodifiableSortedMap(out);
    }

    /** Reads {@code expected.json}, or {@code expected.json.gz} (gzip) when the name ends in .gz. */
    public static ExpectedDataset load(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            return new ExpectedDataset(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The expected dataset of a scenario folder, whichever of the two file names it ships. */
    public static ExpectedDataset forScenario(String scenario) {
        Path dir = Captures.dir(scenario);
        Path plain = dir.resolve("expected.json");
        return load(Files.exists(plain) ? plain : dir.resolve("expected.json.gz"));
    }

    public long takenAtUnixMs() {
        return takenAtUnixMs;
    }

    public String serverVersion() {
        return serverVersion;
    }

    public SortedMap<Integer, Db> dbs() {
        return dbs;
    }

    public Entry entry(int db, String keyName) {
        Db d = dbs.get(db);
        return d == null ? null : d.keys().get(Bytes.fromKeyName(keyName));
    }

    // ------------------------------------------------------------------ parsing

    private Entry parseEntry(int db, Bytes key, JsonNode e) {
        String type = e.path("type").asText();
        Long expireAt = e.path("ttl").asBoolean() ? e.path("expire_at_ms").asLong() : null;
        JsonNode v = e.path("value");
        Value value = switch (type) {
            case "string" -> new StringValue(bytes(v));
            case "hash" -> {
                Map<Bytes, Bytes> fields = new LinkedHashMap<>();
                v.fields().forEachRemaining(f -> fields.put(Bytes.fromKeyName(f.getKey()), bytes(f.getValue())));
                // the dumper writes field_ttl_s beside "value", not inside it (the README says "plus")
                yield new HashValue(Collections.unmodifiableMap(fields), ttls(e.path("field_ttl_s")));
            }
            case "list" -> new ListValue(bytesList(v));
            case "set" -> new SetValue(Collections.unmodifiableSet(new TreeSet<>(bytesList(v))), ttls(e.path("member_ttl_s")));
            case "zset" -> {
                List<ZMember> members = new ArrayList<>();
                for (JsonNode m : v) members.add(new ZMember(bytes(m.get(0)), m.get(1).asText()));
                yield new ZSetValue(Collections.unmodifiableList(members));
            }
            case "stream" -> {
                List<StreamEntry> entries = new ArrayList<>();
                for (JsonNode en : v.path("entries")) entries.add(new StreamEntry(en.get(0).asText(), bytesList(en.get(1))));
                yield new StreamValue(v.path("length").asLong(), Collections.unmodifiableList(entries), v.path("xinfo_full"));
            }
            default -> new RawValue(v);
        };
        return new Entry(db, key, type, expireAt, value);
    }

    private static Map<Bytes, Long> ttls(JsonNode n) {
        Map<Bytes, Long> out = new LinkedHashMap<>();
        if (n != null && n.isObject()) n.fields().forEachRemaining(f -> out.put(Bytes.fromKeyName(f.getKey()), f.getValue().asLong()));
        return Collections.unmodifiableMap(out);
    }

    /** A byte string: JSON text when it was UTF-8, else {"base64": ...}. */
    static Bytes bytes(JsonNode n) {
        if (n.isObject() && n.has("base64")) return Bytes.of(Base64.getDecoder().decode(n.get("base64").asText()));
        return Bytes.utf8(n.asText());
    }

    private static List<Bytes> bytesList(JsonNode arr) {
        List<Bytes> out = new ArrayList<>();
        for (JsonNode n : arr) out.add(bytes(n));
        return Collections.unmodifiableList(out);
    }

    static double parseScore(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    /** When a field or member with a TTL expires, as near as the dump's whole seconds allow. */
    public long fieldExpiryMs(long ttlSeconds) {
        return takenAtUnixMs + ttlSeconds * 1000;
    }

    // ------------------------------------------------------------------ comparison

    /**
     * Reads {@code target} with plain commands and lists every difference from this dataset: keys past their
     * expiry at {@code nowMs} must be absent; the others must have the same type, value and PEXPIRETIME;
     * keys the dataset lacks are EXTRA. Leaves the connection on db 0.
     */
    public List<Difference> differences(RespConnection target, long nowMs, CompareOptions options) {
        List<Difference> out = new ArrayList<>();
        Set<Integer> allDbs = new TreeSet<>(dbs.keySet());
        allDbs.addAll(dbsWithKeys(target));
        for (int db : allDbs) {
            target.callOk("SELECT", Integer.toString(db));
            Db expected = dbs.getOrDefault(db, new Db(db, 0, new TreeMap<>()));
            List<Entry> entries = new ArrayList<>();
            for (Entry e : expected.keys().values()) if (!options.excludedTypes().contains(e.type())) entries.add(e);
            for (int from = 0; from < entries.size(); from += BATCH) {
                compareBatch(target, entries.subList(from, Math.min(entries.size(), from + BATCH)), nowMs, options, out);
            }
            for (byte[] k : scanAll(target)) {
                Bytes key = Bytes.of(k);
                if (expected.keys().containsKey(key)) continue; // judged above (or of an excluded type)
                String type = target.call(b("TYPE"), k).asText();
                out.add(new Difference(db, key.printable(), Kind.EXTRA, "not in the expected dataset (a " + type + ")"));
            }
        }
        target.callOk("SELECT", "0");
        return out;
    }

    private void compareBatch(RespConnection c, List<Entry> entries, long nowMs, CompareOptions options, List<Difference> out) {
        List<byte[][]> meta = new ArrayList<>();
        for (Entry e : entries) {
            meta.add(cmd("TYPE", e.key()));
            meta.add(cmd("PEXPIRETIME", e.key()));
        }
        List<Reply> metaReplies = pipeline(c, meta);
        List<Entry> toRead = new ArrayList<>();
        List<byte[][]> reads = new ArrayList<>();
        List<Integer> readCounts = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String type = metaReplies.get(2 * i).asText();
            Reply expireReply = metaReplies.get(2 * i + 1);
            String key = e.key().printable();
            if (e.expiredAt(nowMs)) {
                if (!type.equals("none")) {
                    out.add(new Difference(e.db(), key, Kind.EXTRA, "expired at " + e.expireAtMs() + " (now " + nowMs + ") but present (a " + type + ")"));
                }
                continue;
            }
            if (type.equals("none")) {
                out.add(new Difference(e.db(), key, Kind.MISSING, "expected a " + e.type()));
                continue;
            }
            if (!type.equals(e.type())) {
                out.add(new Difference(e.db(), key, Kind.TYPE, "expected " + e.type() + ", found " + type));
                continue;
            }
            long expireAt = expireReply.isError() ? Long.MIN_VALUE : expireReply.asLong();
            long want = e.expireAtMs() == null ? -1 : e.expireAtMs();
            if (expireAt != want) {
                out.add(new Difference(e.db(), key, Kind.TTL, "PEXPIRETIME expected " + want + ", found "
                        + (expireReply.isError() ? expireReply : expireAt)));
            }
            List<byte[][]> cmds = valueCommands(e, options);
            toRead.add(e);
            reads.addAll(cmds);
            readCounts.add(cmds.size());
        }
        List<Reply> replies = pipeline(c, reads);
        int pos = 0;
        for (int i = 0; i < toRead.size(); i++) {
            List<Reply> mine = replies.subList(pos, pos + readCounts.get(i));
            pos += readCounts.get(i);
            compareValue(c, toRead.get(i), mine, nowMs, options, out);
        }
    }

    private static List<byte[][]> valueCommands(Entry e, CompareOptions options) {
        Bytes k = e.key();
        return switch (e.type()) {
            case "string" -> cmds(cmd("GET", k));
            case "hash" -> cmds(cmd("HGETALL", k));
            case "list" -> cmds(cmd("LRANGE", k, "0", "-1"));
            case "set" -> cmds(cmd("SMEMBERS", k));
            case "zset" -> cmds(cmd("ZRANGE", k, "0", "-1", "WITHSCORES"));
            case "stream" -> cmds(cmd("XRANGE", k, "-", "+"), cmd("XINFO", "STREAM", k, "FULL"));
            case "ReJSON-RL" -> cmds(cmd("JSON.GET", k));
            case "MBbloom--" -> cmds(cmd("BF.INFO", k));
            case "CMSk-TYPE" -> cmds(cmd("CMS.INFO", k));
            case "TopK-TYPE" -> cmds(cmd("TOPK.INFO", k), cmd("TOPK.LIST", k, "WITHCOUNT"));
            case "MBbloomCF" -> cmds(cmd("CF.INFO", k));
            default -> cmds();
        };
    }

    private static List<byte[][]> cmds(byte[][]... c) {
        return java.util.Arrays.asList(c);
    }

    private void compareValue(RespConnection c, Entry e, List<Reply> r, long nowMs, CompareOptions options, List<Difference> out) {
        String key = e.key().printable();
        for (Reply x : r) {
            if (x.isError()) {
                out.add(new Difference(e.db(), key, Kind.VALUE, "cannot read the value: " + x));
                return;
            }
        }
        Value v = e.value();
        if (v instanceof StringValue s) {
            Bytes got = bulk(r.get(0));
            if (!s.value().equals(got)) out.add(diff(e, "expected " + s.value() + ", found " + got));
        } else if (v instanceof HashValue h) {
            Map<Bytes, Bytes> got = new LinkedHashMap<>();
            List<Reply> flat = r.get(0).asList();
            for (int i = 0; i + 1 < flat.size(); i += 2) got.put(bulk(flat.get(i)), bulk(flat.get(i + 1)));
            Set<Bytes> unsure = new HashSet<>(); // past their TTL, when TTLs are not compared
            Map<Bytes, Bytes> want = new LinkedHashMap<>();
            h.fields().forEach((f, val) -> {
                Long ttl = h.fieldTtlS().get(f);
                if (ttl != null && fieldExpiryMs(ttl) <= nowMs) {
                    if (!options.compareFieldTtls()) unsure.add(f);
                } else {
                    want.put(f, val);
                }
            });
            mapDiff(e, want, got, unsure, "field", out);
            if (options.compareFieldTtls()) compareFieldTtls(c, e, h.fieldTtlS(), want.keySet(), got.keySet(), out);
        } else if (v instanceof ListValue l) {
            List<Bytes> got = bulks(r.get(0));
            if (!l.items().equals(got)) out.add(diff(e, listDiff(l.items(), got)));
        } else if (v instanceof SetValue s) {
            Set<Bytes> got = new TreeSet<>(bulks(r.get(0)));
            Set<Bytes> want = new TreeSet<>();
            Set<Bytes> unsure = new HashSet<>();
            for (Bytes m : s.members()) {
                Long ttl = s.memberTtlS().get(m);
                if (ttl != null && fieldExpiryMs(ttl) <= nowMs) {
                    if (!options.compareMemberTtls()) unsure.add(m);
                } else {
                    want.add(m);
                }
            }
            Set<Bytes> missing = new TreeSet<>(want);
            missing.removeAll(got);
            Set<Bytes> extra = new TreeSet<>(got);
            extra.removeAll(want);
            extra.removeAll(unsure);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                out.add(diff(e, "members missing " + first(missing) + ", unexpected " + first(extra)));
            }
            if (options.compareMemberTtls()) compareMemberTtls(c, e, s.memberTtlS(), want, got, out);
        } else if (v instanceof ZSetValue z) {
            List<Reply> flat = r.get(0).asList();
            Map<Bytes, Double> got = new LinkedHashMap<>();
            for (int i = 0; i + 1 < flat.size(); i += 2) got.put(bulk(flat.get(i)), parseScore(flat.get(i + 1).asText()));
            Map<Bytes, Double> want = new LinkedHashMap<>();
            for (ZMember m : z.members()) want.put(m.member(), m.numeric());
            mapDiff(e, want, got, Set.of(), "member", out);
        } else if (v instanceof StreamValue st) {
            compareStream(e, st, r.get(0), r.get(1), out);
        } else if (v instanceof RawValue raw) {
            compareRaw(e, raw.json(), r, out);
        }
    }

    private static <V> void mapDiff(Entry e, Map<Bytes, V> want, Map<Bytes, V> got, Set<Bytes> unsure, String what, List<Difference> out) {
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (Map.Entry<Bytes, V> w : want.entrySet()) {
            V g = got.get(w.getKey());
            if (!Objects.equals(w.getValue(), g)) {
                n++;
                if (problems.size() < 3) {
                    problems.add(what + " " + w.getKey() + ": expected " + w.getValue() + ", found " + (g == null ? "none" : g));
                }
            }
        }
        for (Bytes g : got.keySet()) {
            if (!want.containsKey(g) && !unsure.contains(g)) {
                n++;
                if (problems.size() < 3) problems.add("unexpected " + what + " " + g);
            }
        }
        if (n > 0) out.add(diff(e, n + " " + what + "(s) differ: " + String.join("; ", problems)));
    }

    /** Hash field TTLs: HPEXPIRETIME (Redis 7.4+), else Dragonfly's FIELDTTL. */
    private void compareFieldTtls(RespConnection c, Entry e, Map<Bytes, Long> ttls, Set<Bytes> want, Set<Bytes> got, List<Difference> out) {
        List<Bytes> fields = new ArrayList<>(want);
        fields.retainAll(got);
        if (fields.isEmpty()) return;
        List<byte[]> args = new ArrayList<>(List.of(b("HPEXPIRETIME"), e.key().raw(), b("FIELDS"), b(Integer.toString(fields.size()))));
        for (Bytes f : fields) args.add(f.raw());
        Reply r = c.call(args.toArray(new byte[0][]));
        if (!r.isError()) {
            List<Reply> at = r.asList();
            for (int i = 0; i < fields.size(); i++) checkFieldTtl(e, "field", fields.get(i), ttls.get(fields.get(i)), at.get(i).asLong(), true, out);
            return;
        }
        fieldTtlViaFieldTtl(c, e, "field", ttls, fields, r, out);
    }

    private void compareMemberTtls(RespConnection c, Entry e, Map<Bytes, Long> ttls, Set<Bytes> want, Set<Bytes> got, List<Difference> out) {
        List<Bytes> members = new ArrayList<>(want);
        members.retainAll(got);
        if (members.isEmpty()) return;
        fieldTtlViaFieldTtl(c, e, "member", ttls, members, null, out);
    }

    private void fieldTtlViaFieldTtl(RespConnection c, Entry e, String what, Map<Bytes, Long> ttls, List<Bytes> items, Reply firstError, List<Difference> out) {
        long now = System.currentTimeMillis(); // FIELDTTL answers seconds left on the target's clock, i.e. real time
        for (Bytes item : items) {
            Reply r = c.call(b("FIELDTTL"), e.key().raw(), item.raw());
            if (r.isError()) {
                out.add(new Difference(e.db(), e.key().printable(), Kind.TTL, "target cannot report " + what + " TTLs: "
                        + (firstError != null ? firstError + " / " : "") + r));
                return;
            }
            long secs = r.asLong();
            checkFieldTtl(e, what, item, ttls.get(item), secs < 0 ? secs : now + secs * 1000, secs >= 0, out);
        }
    }

    /** {@code actual}: absolute ms, or -1 (no TTL) / -2 (no such field). */
    private void checkFieldTtl(Entry e, String what, Bytes item, Long ttlS, long actual, boolean absolute, List<Difference> out) {
        String key = e.key().printable();
        if (ttlS == null) {
            if (actual != -1) out.add(new Difference(e.db(), key, Kind.TTL, what + " " + item + ": expected no TTL, found expiry " + actual));
            return;
        }
        long want = fieldExpiryMs(ttlS);
        if (actual < 0 || Math.abs(actual - want) > FIELD_TTL_TOLERANCE_MS + 1000) {
            out.add(new Difference(e.db(), key, Kind.TTL, what + " " + item + ": expected expiry about " + want + ", found " + actual));
        }
    }

    private static void compareStream(Entry e, StreamValue st, Reply range, Reply info, List<Difference> out) {
        String key = e.key().printable();
        List<StreamEntry> got = new ArrayList<>();
        for (Reply en : range.asList()) {
            List<Reply> parts = en.asList();
            got.add(new StreamEntry(parts.get(0).asText(), bulks(parts.get(1))));
        }
        if (!got.equals(st.entries())) out.add(diff(e, "entries: " + listDiff(st.entries(), got)));
        Map<String, Reply> top = flatMap(info);
        JsonNode want = st.xinfoFull();
        for (String f : List.of("length", "entries-added", "last-generated-id", "max-deleted-entry-id", "recorded-first-entry-id")) {
            if (want.has(f)) compareField(e, "stream " + f, want.get(f), top.get(f), Kind.VALUE, out);
        }
        Map<String, Map<String, Reply>> groups = new LinkedHashMap<>();
        Reply g = top.get("groups");
        if (g != null) for (Reply x : g.asList()) {
            Map<String, Reply> m = flatMap(x);
            groups.put(m.get("name").asText(), m);
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode wg : want.path("groups")) {
            String name = wg.path("name").asText();
            seen.add(name);
            Map<String, Reply> tg = groups.get(name);
            if (tg == null) {
                out.add(diff(e, "group " + name + " missing"));
                continue;
            }
            String p = "group " + name + " ";
            for (String f : List.of("last-delivered-id", "pel-count", "pending")) compareField(e, p + f, wg.get(f), tg.get(f), Kind.VALUE, out);
            for (String f : List.of("entries-read", "lag")) compareField(e, p + f, wg.get(f), tg.get(f), Kind.STREAM_GROUP_META, out);
            Map<String, Map<String, Reply>> consumers = new LinkedHashMap<>();
            if (tg.get("consumers") != null) for (Reply x : tg.get("consumers").asList()) {
                Map<String, Reply> m = flatMap(x);
                consumers.put(m.get("name").asText(), m);
            }
            Set<String> seenC = new HashSet<>();
            for (JsonNode wc : wg.path("consumers")) {
                String cname = wc.path("name").asText();
                seenC.add(cname);
                Map<String, Reply> tc = consumers.get(cname);
                if (tc == null) {
                    out.add(diff(e, p + "consumer " + cname + " missing"));
                    continue;
                }
                for (String f : List.of("pel-count", "pending")) compareField(e, p + "consumer " + cname + " " + f, wc.get(f), tc.get(f), Kind.VALUE, out);
                for (String f : List.of("seen-time", "active-time")) {
                    if (wc.has(f)) compareField(e, p + "consumer " + cname + " " + f, wc.get(f), tc.get(f), Kind.STREAM_GROUP_META, out);
                }
            }
            for (String cname : consumers.keySet()) if (!seenC.contains(cname)) out.add(diff(e, p + "unexpected consumer " + cname));
        }
        for (String name : groups.keySet()) if (!seen.contains(name)) out.add(diff(e, "unexpected group " + name));
    }

    private static void compareField(Entry e, String what, JsonNode want, Reply got, Kind kind, List<Difference> out) {
        String w = canonical(want);
        String g = got == null ? "(absent)" : canonical(got);
        if (!w.equals(g)) out.add(new Difference(e.db(), e.key().printable(), kind, what + ": expected " + w + ", found " + g));
    }

    /** JSON and RESP values in one text form, so numbers, ids and nested PEL arrays compare alike. */
    static String canonical(JsonNode n) {
        if (n == null || n.isNull()) return "nil";
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode x : n) parts.add(canonical(x));
            return parts.toString();
        }
        if (n.isObject() && n.has("base64")) return bytes(n).printable();
        return n.asText();
    }

    static String canonical(Reply r) {
        if (r instanceof Reply.Array a) {
            if (a.items() == null) return "nil";
            List<String> parts = new ArrayList<>();
            for (Reply x : a.items()) parts.add(canonical(x));
            return parts.toString();
        }
        if (r instanceof Reply.Bulk b) return b.bytes() == null ? "nil" : Bytes.of(b.bytes()).printable();
        return r.toString();
    }

    private static void compareRaw(Entry e, JsonNode want, List<Reply> r, List<Difference> out) {
        switch (e.type()) {
            case "ReJSON-RL" -> {
                try {
                    JsonNode got = new ObjectMapper().readTree(r.get(0).asText());
                    if (!got.equals(want.path("json"))) out.add(diff(e, "expected " + want.path("json") + ", found " + got));
                } catch (IOException ex) {
                    out.add(diff(e, "JSON.GET returned unparsable text: " + ex.getMessage()));
                }
            }
            case "MBbloom--" -> compareInfo(e, "BF.INFO", want.path("bf_info"), r.get(0), out);
            case "CMSk-TYPE" -> compareInfo(e, "CMS.INFO", want.path("cms_info"), r.get(0), out);
            case "MBbloomCF" -> compareInfo(e, "CF.INFO", want.path("cf_info"), r.get(0), out);
            case "TopK-TYPE" -> {
                compareInfo(e, "TOPK.INFO", want.path("topk_info"), r.get(0), out);
                List<String> got = new ArrayList<>();
                List<Reply> flat = r.get(1).asList();
                for (int i = 0; i + 1 < flat.size(); i += 2) got.add(List.of(canonical(flat.get(i)), canonical(flat.get(i + 1))).toString());
                List<String> w = new ArrayList<>();
                for (JsonNode x : want.path("topk_list")) w.add(canonical(x));
                if (!w.equals(got)) out.add(diff(e, "TOPK.LIST expected " + w + ", found " + got));
            }
            default -> out.add(diff(e, "no reader for type " + e.type()));
        }
    }

    private static void compareInfo(Entry e, String cmd, JsonNode want, Reply got, List<Difference> out) {
        Map<String, Reply> m = flatMap(got);
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            compareField(e, cmd + " " + f.getKey(), f.getValue(), m.get(f.getKey()), Kind.VALUE, out);
        }
    }

    private static Difference diff(Entry e, String detail) {
        return new Difference(e.db(), e.key().printable(), Kind.VALUE, detail);
    }

    private static <T> String listDiff(List<T> want, List<T> got) {
        int i = 0;
        while (i < want.size() && i < got.size() && want.get(i).equals(got.get(i))) i++;
        return "expected " + want.size() + " items, found " + got.size() + "; first difference at index " + i + ": expected "
                + (i < want.size() ? want.get(i) : "end") + ", found " + (i < got.size() ? got.get(i) : "end");
    }

    private static String first(Set<Bytes> s) {
        List<Bytes> l = new ArrayList<>(s);
        return l.size() <= 5 ? l.toString() : l.subList(0, 5) + " and " + (l.size() - 5) + " more";
    }

    private static Map<String, Reply> flatMap(Reply r) {
        Map<String, Reply> m = new LinkedHashMap<>();
        List<Reply> flat = r.asList();
        for (int i = 0; i + 1 < flat.size(); i += 2) m.put(flat.get(i).asText(), flat.get(i + 1));
        return m;
    }

    private static Bytes bulk(Reply r) {
        if (r instanceof Reply.Bulk b) return b.bytes() == null ? null : Bytes.of(b.bytes());
        return Bytes.utf8(r.asText());
    }

    private static List<Bytes> bulks(Reply r) {
        List<Bytes> out = new ArrayList<>();
        for (Reply x : r.asList()) out.add(bulk(x));
        return out;
    }

    // ------------------------------------------------------------------ RESP plumbing

    private static List<Integer> dbsWithKeys(RespConnection c) {
        List<Integer> out = new ArrayList<>();
        for (String line : c.callOk("INFO", "keyspace").asText().split("\r?\n")) {
            if (line.startsWith("db") && line.contains(":")) out.add(Integer.parseInt(line.substring(2, line.indexOf(':'))));
        }
        return out;
    }

    private static List<byte[]> scanAll(RespConnection c) {
        List<byte[]> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<Reply> r = c.callOk("SCAN", cursor, "COUNT", "1000").asList();
            cursor = r.get(0).asText();
            for (Reply k : r.get(1).asList()) keys.add(((Reply.Bulk) k).bytes());
        } while (!cursor.equals("0"));
        return keys;
    }

    /** Sends all commands, then reads all replies: one round trip per batch instead of per key. */
    static List<Reply> pipeline(RespConnection c, List<byte[][]> cmds) {
        List<Reply> out = new ArrayList<>(cmds.size());
        try {
            for (int from = 0; from < cmds.size(); from += BATCH) {
                List<byte[][]> batch = cmds.subList(from, Math.min(cmds.size(), from + BATCH));
                RespOutput o = new RespOutput(64 * 1024);
                for (byte[][] cmd : batch) {
                    o.command(cmd.length);
                    for (byte[] a : cmd) o.arg(a);
                }
                o.writeTo(c.output());
                c.output().flush();
                for (int i = 0; i < batch.size(); i++) out.add(c.reader().read());
            }
        } catch (IOException e) {
            c.close();
            throw new UncheckedIOException("reading the target failed", e);
        }
        return out;
    }

    static byte[][] cmd(Object... args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            out[i] = a instanceof Bytes bs ? bs.raw() : a instanceof byte[] raw ? raw : b(a.toString());
        }
        return out;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
