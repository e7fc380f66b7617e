package dev.ferry.it;

import dev.ferry.demo.SampleData;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Datasets for the verify tests: every type in its small and big encodings, collections big enough that a
 * comparison must go in chunks, a stream with consumer groups and pending entries, binary keys and TTLs; and a
 * copier that makes a second server hold the same data without going through Ferry, so a failing verify test
 * points at verify and not at the copy.
 */
final class VerifyData {
    static final int BIG = 20_000;
    static final int STREAM_ENTRIES = 5_000;
    static final String BIG_HASH = "big:hash";
    static final String BIG_LIST = "big:list";
    static final String BIG_SET = "big:set";
    static final String BIG_ZSET = "big:zset";
    static final String BIG_STREAM = "big:stream";
    static final String TTL_STRING = "ttl:string";
    /** A key with NUL, 0xff and CRLF in it: what a text-minded tool would truncate, mangle or split. */
    static final byte[] BIN_KEY = {'b', 'i', 'n', ':', 0x00, (byte) 0xff, '\r', '\n'};
    static final String BIN_KEY_PRINTABLE = "bin:\\x00\\xff\\x0d\\x0a";
    static final int BIN_VALUE_LENGTH = 64;
    /** Scores of big:zset's members m-0..m-(BIG-1): random doubles, each written so it parses back to itself. */
    static final double[] SCORES = scores();

    private VerifyData() {
    }

    private static double[] scores() {
        Random rnd = new Random(99);
        double[] s = new double[BIG];
        for (int i = 0; i < BIG; i++) s[i] = (rnd.nextDouble() - 0.5) * 2e6;
        return s;
    }

    /** SampleData (db 0 and 1) plus the big and special keys above, through {@code c}. */
    static void everyType(RespConnection c) {
        SampleData.populate(c, 7);
        List<byte[][]> cmds = new ArrayList<>();
        cmds.add(args("SELECT", "0"));
        List<String> hset = new ArrayList<>(List.of("HSET", BIG_HASH));
        List<String> rpush = new ArrayList<>(List.of("RPUSH", BIG_LIST));
        List<String> sadd = new ArrayList<>(List.of("SADD", BIG_SET));
        List<String> zadd = new ArrayList<>(List.of("ZADD", BIG_ZSET));
        for (int i = 0; i < BIG; i++) {
            hset.add("field-" + i);
            hset.add("value-" + i);
            rpush.add("item-" + i);
            sadd.add("member-" + i);
            zadd.add(Double.toString(SCORES[i]));
            zadd.add("m-" + i);
        }
        cmds.add(args(hset));
        cmds.add(args(rpush));
        cmds.add(args(sadd));
        cmds.add(args(zadd));
        for (int i = 1; i <= STREAM_ENTRIES; i++) {
            cmds.add(args("XADD", BIG_STREAM, i + "-0", "n", Integer.toString(i), "payload", "p-" + i));
        }
        // g1: two consumers, 450 pending after acks; g2: mid-stream start; late: no PEL, one idle consumer
        cmds.add(args("XGROUP", "CREATE", BIG_STREAM, "g1", "0"));
        cmds.add(args("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "300", "STREAMS", BIG_STREAM, ">"));
        cmds.add(args("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "200", "STREAMS", BIG_STREAM, ">"));
        List<String> ack = new ArrayList<>(List.of("XACK", BIG_STREAM, "g1"));
        for (int i = 1; i <= 50; i++) ack.add(i + "-0");
        cmds.add(args(ack));
        cmds.add(args("XGROUP", "CREATE", BIG_STREAM, "g2", "2500-0"));
        cmds.add(args("XREADGROUP", "GROUP", "g2", "carol", "COUNT", "10", "STREAMS", BIG_STREAM, ">"));
        cmds.add(args("XGROUP", "CREATE", BIG_STREAM, "late", "$"));
        cmds.add(args("XGROUP", "CREATECONSUMER", BIG_STREAM, "late", "dave"));
        byte[] binValue = new byte[BIN_VALUE_LENGTH];
        new Random(5).nextBytes(binValue);
        cmds.add(new byte[][] {b("SET"), BIN_KEY, binValue});
        cmds.add(new byte[][] {b("HSET"), new byte[] {(byte) 0xff, (byte) 0xfe, 'h', 0}, new byte[] {0, '\r', '\n'},
                new byte[] {(byte) 0x80, 0}});
        cmds.add(args("SET", TTL_STRING, "lives an hour", "PX", "3600000"));
        cmds.add(args("ZADD", "ttl:zset", "1", "a", "2", "b"));
        cmds.add(args("PEXPIRE", "ttl:zset", "7200000"));
        send(c, cmds);
        orderKeys(c, false);
    }

    /**
     * The same hash, set and zset contents written in opposite orders: equal as data, different as bytes in a
     * listpack or as iteration order, so a comparison that hashes what the server sends in order fails here.
     */
    static void orderKeys(RespConnection c, boolean reversed) {
        List<byte[][]> cmds = new ArrayList<>();
        cmds.add(args("SELECT", "0"));
        cmds.add(args("DEL", "order:hash", "order:set", "order:zset"));
        for (int j = 0; j < 60; j++) {
            int i = reversed ? 59 - j : j;
            cmds.add(args("HSET", "order:hash", "f" + i, "v" + i));
            cmds.add(args("SADD", "order:set", "s" + i));
            cmds.add(args("ZADD", "order:zset", Integer.toString(i % 7), "z" + i));
        }
        send(c, cmds);
    }

    /**
     * Makes {@code to} hold what {@code from} holds, every db, by DUMP + RESTORE ... ABSTTL: the exact values,
     * stream groups and PELs with their delivery times, and expiries to the millisecond. Encodings follow the
     * target's own thresholds, which is the point when the target is configured differently.
     */
    static void copy(RedisServer from, RedisServer to) {
        try (RespConnection src = Datasets.connect(from); RespConnection dst = Datasets.connect(to)) {
            for (int db : dbs(src)) {
                src.callOk("SELECT", Integer.toString(db));
                dst.callOk("SELECT", Integer.toString(db));
                List<byte[]> keys = scan(src, null);
                List<Reply> replies = pipeline(src, keys.stream()
                        .flatMap(k -> java.util.stream.Stream.of(new byte[][] {b("DUMP"), k}, new byte[][] {b("PEXPIRETIME"), k}))
                        .toList());
                List<byte[][]> restores = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    byte[] payload = ((Reply.Bulk) replies.get(2 * i)).bytes();
                    long at = replies.get(2 * i + 1).asLong();
                    restores.add(new byte[][] {b("RESTORE"), keys.get(i), b(Long.toString(Math.max(0, at))), payload,
                            b("REPLACE"), b("ABSTTL")});
                }
                send(dst, restores);
            }
        }
    }

    /** Keys over every db (what "keys checked" must count for a whole-server run). */
    static long keyCount(RedisServer s) {
        long n = 0;
        try (RespConnection c = Datasets.connect(s)) {
            for (int db : dbs(c)) {
                c.callOk("SELECT", Integer.toString(db));
                n += c.callOk("DBSIZE").asLong();
            }
        }
        return n;
    }

    /** Keys matching {@code glob} over every db. */
    static long keyCount(RedisServer s, String glob) {
        long n = 0;
        try (RespConnection c = Datasets.connect(s)) {
            for (int db : dbs(c)) {
                c.callOk("SELECT", Integer.toString(db));
                n += scan(c, glob).size();
            }
        }
        return n;
    }

    static List<Integer> dbs(RespConnection c) {
        List<Integer> dbs = new ArrayList<>();
        for (String line : c.callOk("INFO", "keyspace").asText().split("\r?\n")) {
            if (line.startsWith("db")) dbs.add(Integer.parseInt(line.substring(2, line.indexOf(':'))));
        }
        return dbs;
    }

    static List<byte[]> scan(RespConnection c, String glob) {
        List<byte[]> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<Reply> r = glob == null ? c.callOk("SCAN", cursor, "COUNT", "1000").asList()
                    : c.callOk("SCAN", cursor, "MATCH", glob, "COUNT", "1000").asList();
            cursor = r.get(0).asText();
            for (Reply k : r.get(1).asList()) keys.add(((Reply.Bulk) k).bytes());
        } while (!cursor.equals("0"));
        return keys;
    }

    /** Sends every command pipelined and fails on the first error reply. */
    static void send(RespConnection c, List<byte[][]> cmds) {
        List<Reply> replies = pipeline(c, cmds);
        for (int i = 0; i < replies.size(); i++) {
            if (replies.get(i).isError()) {
                throw new IllegalStateException(new String(cmds.get(i)[0], StandardCharsets.UTF_8) + " "
                        + new String(cmds.get(i)[1], StandardCharsets.ISO_8859_1) + " failed: " + replies.get(i));
            }
        }
    }

    static List<Reply> pipeline(RespConnection c, List<byte[][]> cmds) {
        List<Reply> replies = new ArrayList<>(cmds.size());
        try {
            for (int from = 0; from < cmds.size(); from += 1000) {
                List<byte[][]> batch = cmds.subList(from, Math.min(cmds.size(), from + 1000));
                RespOutput out = new RespOutput(64 * 1024);
                for (byte[][] cmd : batch) {
                    out.command(cmd.length);
                    for (byte[] a : cmd) out.arg(a);
                }
                out.writeTo(c.output());
                c.output().flush();
                for (int i = 0; i < batch.size(); i++) replies.add(c.reader().read());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return replies;
    }

    static byte[][] args(String... a) {
        byte[][] out = new byte[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = b(a[i]);
        return out;
    }

    static byte[][] args(List<String> a) {
        return args(a.toArray(new String[0]));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
