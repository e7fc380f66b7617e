package dev.ferry.verify;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisErrorException;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespPipeline;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what a node holds under a batch of keys in pipelined round trips: PTTL and a string's first window;
 * for what is not a string, TYPE, then the length and first window of its type; and, only for values bigger
 * than one window, the rest in windows (GETRANGE, LRANGE, ZRANGE, XRANGE, HSCAN, SSCAN), so neither side's big
 * keys are ever held whole.
 */
final class ProbeReader {
    static final int WINDOW = 512;
    static final int STRING_WINDOW = 1 << 20;
    /**
     * The first window of every key, read in the batch's one round trip: most strings fit, and a batch of 500 keys
     * holds at most 16 MiB a side (with 1 MiB, 500 MiB: a few workers' batches of big strings would exhaust a default
     * heap; {@code VerifyJob}'s 5 batches at once per master hold at most 160 MiB). A longer string is read on in
     * {@link #STRING_WINDOW} pieces, one at a time.
     */
    static final int HEAD_WINDOW = 32 * 1024;
    private static final byte[] ZERO = "0".getBytes(StandardCharsets.US_ASCII);
    // the two commands every key gets, encoded once (a String or a boxed number per argument was per key)
    private static final byte[] PTTL = "PTTL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GETRANGE = "GETRANGE".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_WINDOW_END = Integer.toString(HEAD_WINDOW - 1).getBytes(StandardCharsets.US_ASCII);

    private ProbeReader() {
    }

    static List<Probe> read(RespConnection c, List<byte[]> keys) {
        RespPipeline p = new RespPipeline(c);
        // most keys are strings: their TTL and first window in one round trip, two commands a key. TYPE (and then the
        // first window of its type) only for what GETRANGE refuses as another type: three a key before, a third more
        // work for both servers on strings, which set verify's pace (1M strings: 133k keys/s a side)
        for (byte[] k : keys) p.add(PTTL, k).add(GETRANGE, k, ZERO, HEAD_WINDOW_END);
        List<Reply> head = p.sync();
        int n = keys.size();
        String[] types = new String[n];
        long[] ttls = new long[n];
        int[] first = new int[n];
        List<Reply> values = new ArrayList<>(n);
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ttls[i] = head.get(2 * i).asLong();
            Reply range = head.get(2 * i + 1);
            if (ttls[i] == -2) {
                types[i] = "none"; // PTTL's word for a key that does not exist
            } else if (!range.isError()) {
                types[i] = "string";
                first[i] = values.size();
                values.add(range);
            } else {
                others.add(i); // WRONGTYPE: a collection
            }
        }
        if (!others.isEmpty()) {
            for (int i : others) p.add("TYPE", keys.get(i));
            List<Reply> typed = p.sync();
            for (int j = 0; j < others.size(); j++) types[others.get(j)] = text(typed.get(j));
            int base = values.size();
            for (int i : others) {
                first[i] = base + p.size();
                byte[] k = keys.get(i);
                switch (types[i]) {
                    case "string" -> p.add(GETRANGE, k, ZERO, HEAD_WINDOW_END); // re-typed between the two reads
                    // a first window only; the length comes from it unless the window is full (then one more call)
                    case "list" -> p.add("LRANGE", k, 0, WINDOW - 1);
                    case "set" -> p.add("SSCAN", k, "0", "COUNT", WINDOW);
                    case "zset" -> p.add("ZRANGE", k, 0, WINDOW - 1, "WITHSCORES");
                    case "hash" -> p.add("HSCAN", k, "0", "COUNT", WINDOW);
                    case "stream" -> p.add("XRANGE", k, "-", "+", "COUNT", WINDOW).add("XINFO", "GROUPS", k);
                    default -> { }
                }
            }
            values.addAll(p.sync());
        }
        List<Probe> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            try {
                out.add(probe(c, keys.get(i), types[i], ttls[i], values, first[i]));
            } catch (RedisErrorException | RedisConnectionException e) {
                if (e instanceof RedisConnectionException && c.isClosed()) throw e;
                // deleted, re-typed or its group removed while it was being read: a candidate for the next round
                out.add(new Probe(types[i], -1, ttls[i], "changed while read (" + e.getMessage() + ") " + System.nanoTime()));
            }
        }
        return out;
    }

    private static Probe probe(RespConnection c, byte[] key, String type, long ttl, List<Reply> r, int at) {
        switch (type) {
            case "none":
                return Probe.ABSENT;
            case "string": {
                byte[] head = bulk(r.get(at));
                if (head.length < HEAD_WINDOW) return new Probe(type, head.length, ttl, Digest.ofString(head));
                Digest d = Digest.ordered();
                long len = c.call("STRLEN".getBytes(), key).asLong();
                d.bytes(head, 0, head.length);
                for (long off = head.length; off < len; off += STRING_WINDOW) {
                    byte[] piece = bulk(c.call("GETRANGE".getBytes(), key, ascii(off), ascii(off + STRING_WINDOW - 1)));
                    if (piece.length == 0) break;
                    d.bytes(piece, 0, piece.length);
                }
                return new Probe(type, len, ttl, d.value());
            }
            case "list": {
                List<Reply> page = r.get(at).asList();
                long len = page.size() < WINDOW ? page.size() : c.call("LLEN".getBytes(), key).asLong();
                Digest d = Digest.ordered();
                long seen = 0;
                while (true) {
                    for (Reply e : page) d.element(bulk(e));
                    seen += page.size();
                    if (page.size() < WINDOW || seen >= len) break;
                    page = c.call("LRANGE".getBytes(), key, ascii(seen), ascii(seen + WINDOW - 1)).asList();
                }
                return new Probe(type, len, ttl, d.value());
            }
            case "zset": {
                List<Reply> page = r.get(at).asList();
                long len = page.size() / 2 < WINDOW ? page.size() / 2 : c.call("ZCARD".getBytes(), key).asLong();
                Digest d = Digest.unordered();
                long seen = 0;
                while (true) {
                    for (int j = 0; j + 1 < page.size(); j += 2) d.element(bulk(page.get(j)), scoreBits(text(page.get(j + 1))));
                    seen += page.size() / 2;
                    if (page.size() / 2 < WINDOW || seen >= len) break;
                    page = c.call("ZRANGE".getBytes(), key, ascii(seen), ascii(seen + WINDOW - 1), ascii("WITHSCORES")).asList();
                }
                return new Probe(type, len, ttl, d.value());
            }
            case "hash": case "set": {
                boolean hash = type.equals("hash");
                Digest d = Digest.unordered();
                Reply scan = r.get(at);
                long len = -1;
                if (!java.util.Arrays.equals(bulk(scan.asList().get(0)), ZERO)) {
                    len = c.call((hash ? "HLEN" : "SCARD").getBytes(), key).asLong();
                }
                while (true) {
                    List<Reply> s = scan.asList();
                    List<Reply> items = s.get(1).asList();
                    if (hash) {
                        for (int j = 0; j + 1 < items.size(); j += 2) d.element(bulk(items.get(j)), bulk(items.get(j + 1)));
                    } else {
                        for (Reply e : items) d.element(bulk(e));
                    }
                    byte[] cursor = bulk(s.get(0));
                    if (java.util.Arrays.equals(cursor, ZERO)) break;
                    scan = c.call((hash ? "HSCAN" : "SSCAN").getBytes(), key, cursor, ascii("COUNT"), ascii(WINDOW));
                }
                // one scan call held it all: the count is exact (small hashes and sets are never rehashed mid-scan)
                return new Probe(type, len >= 0 ? len : d.count(), ttl, d.value());
            }
            case "stream": {
                Reply first = r.get(at);
                long len = first.asList().size() < WINDOW ? first.asList().size() : c.call("XLEN".getBytes(), key).asLong();
                return stream(c, key, ttl, len, first, r.get(at + 1));
            }
            default:
                // a module type: compared by type, TTL and existence only
                return new Probe(type, 0, ttl, "");
        }
    }

    /** Entries in order, then each group's last id, consumers and pending entries (not entries-read). */
    private static Probe stream(RespConnection c, byte[] key, long ttl, long len, Reply firstPage, Reply groups) {
        Digest d = Digest.ordered();
        List<Reply> page = firstPage.asList();
        while (true) {
            String last = null;
            for (Reply e : page) {
                List<Reply> entry = e.asList();
                last = text(entry.get(0));
                List<Reply> fields = entry.get(1).asList();
                byte[][] parts = new byte[1 + fields.size()][];
                parts[0] = bulk(entry.get(0));
                for (int j = 0; j < fields.size(); j++) parts[1 + j] = bulk(fields.get(j));
                d.element(parts);
            }
            if (page.size() < WINDOW || last == null) break;
            page = c.call("XRANGE".getBytes(), key, ascii("(" + last), ascii("+"), ascii("COUNT"), ascii(WINDOW)).asList();
        }
        Digest g = Digest.unordered();
        if (!groups.isError()) {
            for (Reply group : groups.asList()) {
                List<Reply> f = group.asList();
                String name = field(f, "name");
                g.element(ascii("group"), ascii(name), ascii(field(f, "last-delivered-id")), ascii(field(f, "pending")));
                for (Reply consumer : c.call(ascii("XINFO"), ascii("CONSUMERS"), key, ascii(name)).asList()) {
                    List<Reply> cf = consumer.asList();
                    g.element(ascii("consumer"), ascii(name), ascii(field(cf, "name")), ascii(field(cf, "pending")));
                }
                String from = "-";
                while (true) {
                    List<Reply> pel = c.call("XPENDING".getBytes(), key, ascii(name), ascii(from), ascii("+"), ascii(WINDOW)).asList();
                    String last = null;
                    for (Reply e : pel) {
                        List<Reply> pe = e.asList();
                        last = text(pe.get(0));
                        g.element(ascii("pending"), ascii(name), bulk(pe.get(0)), bulk(pe.get(1)), ascii(pe.get(3).asLong()));
                    }
                    if (pel.size() < WINDOW || last == null) break;
                    from = "(" + last;
                }
            }
        }
        return new Probe("stream", len, ttl, d.value() + "|" + g.value());
    }

    private static String field(List<Reply> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (name.equals(text(flat.get(i)))) return text(flat.get(i + 1));
        }
        return "";
    }

    /** A score as the exact bits of its double, whatever text the server printed it with. */
    static byte[] scoreBits(String text) {
        double v;
        switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "inf": case "+inf": case "infinity": case "+infinity": v = Double.POSITIVE_INFINITY; break;
            case "-inf": case "-infinity": v = Double.NEGATIVE_INFINITY; break;
            case "nan": v = Double.NaN; break;
            default: v = Double.parseDouble(text);
        }
        long bits = Double.doubleToLongBits(v == 0.0 ? 0.0 : v); // -0 and 0 are one score to Redis
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (bits >>> (56 - 8 * i));
        return b;
    }

    private static String text(Reply r) {
        if (r.isError()) throw new RedisErrorException(r.toString());
        String t = r.asText();
        return t == null ? "" : t;
    }

    private static byte[] bulk(Reply r) {
        if (r.isError()) throw new RedisErrorException(r.toString());
        if (r instanceof Reply.Bulk b) return b.bytes() == null ? new byte[0] : b.bytes();
        return r.asText().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(Object o) {
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }
}
