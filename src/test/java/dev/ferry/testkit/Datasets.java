package dev.ferry.testkit;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a server's whole dataset as what Redis itself says of each key: DEBUG DIGEST-VALUE (type and every
 * element), the absolute expiry (PEXPIRETIME), and for streams XINFO STREAM FULL (groups, PELs, consumers,
 * which the digest ignores). Two servers hold the same data exactly when these maps are equal.
 */
public final class Datasets {
    private Datasets() {
    }

    public static RespConnection connect(RedisServer s) {
        ConnectOptions plain = new ConnectOptions(null, s.password(), false, false, null, 10_000, 60_000);
        return RespConnection.open(new HostPort(s.host(), s.port()), plain);
    }

    /** Ferry's checkpoint hashes on a target: bookkeeping, never compared as data. */
    public static final String CHECKPOINT_PREFIX = "ferry:ckpt:";

    /** DEBUG DIGEST of the whole server. */
    public static String digest(RedisServer s) {
        try (RespConnection c = connect(s)) {
            return c.callOk("DEBUG", "DIGEST").asText();
        }
    }

    /** "db:key" (key bytes as ISO-8859-1, so binary keys survive) to "digest ttl=... [stream info]". */
    public static Map<String, String> perKey(RedisServer s) {
        Map<String, String> out = new TreeMap<>();
        try (RespConnection c = connect(s)) {
            for (int db : dbsWithKeys(c)) {
                c.callOk("SELECT", Integer.toString(db));
                List<byte[]> keys = scanAll(c);
                for (int from = 0; from < keys.size(); from += 1000) {
                    List<byte[]> batch = keys.subList(from, Math.min(keys.size(), from + 1000));
                    List<String> described = describeAll(c, batch);
                    for (int i = 0; i < batch.size(); i++) {
                        String key = new String(batch.get(i), StandardCharsets.ISO_8859_1);
                        if (key.startsWith(CHECKPOINT_PREFIX)) continue; // Ferry's bookkeeping, not data
                        out.put(db + ":" + key, described.get(i));
                    }
                }
            }
        }
        return out;
    }

    /** The same map over every master of a cluster (db 0 only). */
    public static Map<String, String> perKey(RedisCluster cluster) {
        Map<String, String> out = new TreeMap<>();
        for (RedisServer m : cluster.masters()) out.putAll(perKey(m));
        return out;
    }

    /** FUNCTION LIST WITHCODE, one text per library, sorted (the server lists them in hash order). */
    public static List<String> functions(RedisServer s) {
        try (RespConnection c = connect(s)) {
            List<String> libs = new ArrayList<>();
            for (Reply lib : c.callOk("FUNCTION", "LIST", "WITHCODE").asList()) libs.add(lib.toString());
            java.util.Collections.sort(libs);
            return libs;
        }
    }

    /** Describes many keys with one round trip per batch (pipelined), so big datasets compare quickly. */
    private static List<String> describeAll(RespConnection c, List<byte[]> keys) {
        try {
            RespOutput out = new RespOutput(64 * 1024);
            for (byte[] key : keys) {
                out.command(3).arg(b("DEBUG")).arg(b("DIGEST-VALUE")).arg(key);
                out.command(2).arg(b("PEXPIRETIME")).arg(key);
                out.command(2).arg(b("TYPE")).arg(key);
            }
            out.writeTo(c.output());
            c.output().flush();
            List<String> described = new ArrayList<>(keys.size());
            for (byte[] key : keys) {
                String digest = c.reader().read().asList().get(0).asText();
                long expireAt = c.reader().read().asLong();
                String type = c.reader().read().asText();
                described.add(type + " " + digest + " expireat=" + expireAt);
            }
            for (int i = 0; i < keys.size(); i++) {
                if (described.get(i).startsWith("stream ")) {
                    Reply info = c.call(b("XINFO"), b("STREAM"), keys.get(i), b("FULL"));
                    described.set(i, described.get(i) + " " + withoutIdleStats(info));
                }
            }
            return described;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * XINFO STREAM FULL with consumers' seen-time/active-time and the radix tree's shape masked: access
     * statistics and memory layout that a stream written by commands (rather than RESTORE) gets anew, not data.
     */
    private static final java.util.Set<String> INTERNAL = java.util.Set.of("seen-time", "active-time", "radix-tree-keys", "radix-tree-nodes");

    static String withoutIdleStats(Reply r) {
        if (!(r instanceof Reply.Array a) || a.items() == null) return r.toString();
        StringBuilder sb = new StringBuilder("[");
        List<Reply> items = a.items();
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(", ");
            String text = items.get(i) instanceof Reply.Bulk bulk ? bulk.text() : null;
            sb.append(withoutIdleStats(items.get(i)));
            if (text != null && INTERNAL.contains(text) && i + 1 < items.size()) {
                sb.append(", *");
                i++;
            }
        }
        return sb.append(']').toString();
    }

    static List<Integer> dbsWithKeys(RespConnection c) {
        List<Integer> dbs = new ArrayList<>();
        for (String line : c.callOk("INFO", "keyspace").asText().split("\r?\n")) {
            if (line.startsWith("db")) dbs.add(Integer.parseInt(line.substring(2, line.indexOf(':'))));
        }
        return dbs;
    }

    static List<byte[]> scanAll(RespConnection c) {
        List<byte[]> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<Reply> r = c.callOk("SCAN", cursor, "COUNT", "1000").asList();
            cursor = r.get(0).asText();
            for (Reply k : r.get(1).asList()) keys.add(((Reply.Bulk) k).bytes());
        } while (!cursor.equals("0"));
        return keys;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
