package dev.ferry.demo;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a dataset holding every Redis type in both its compact and its big encodings (listpack and
 * quicklist/hashtable/skiplist, intset), binary keys and values, exact-to-the-bit scores, TTLs, a stream
 * with consumer groups and pending entries, a second db and a function library. The demo and the tests
 * both import it.
 */
public final class SampleData {
    private SampleData() {
    }

    /** Populates db 0 and db 1 through {@code c}. */
    public static void populate(RespConnection c, int seed) {
        Random rnd = new Random(seed);
        List<byte[][]> cmds = new ArrayList<>();
        long dayFromNow = System.currentTimeMillis() + 86_400_000L;
        cmd(cmds, "SELECT", "0");
        cmd(cmds, "SET", "greeting", "hello, ferry");
        cmd(cmds, "SET", "counter", "42");
        cmd(cmds, "SET", "negative", "-9223372036854775808");
        cmds.add(new byte[][] {b("SET"), new byte[] {0, 'b', 'i', 'n', (byte) 0xff, '\r', '\n'}, randomBytes(rnd, 300)});
        cmd(cmds, "SET", "big:string", "x".repeat(200_000));
        cmd(cmds, "SET", "session:ttl", "expires tomorrow", "PXAT", Long.toString(dayFromNow));
        cmd(cmds, "RPUSH", "list:small", "a", "b", "c", "1", "-2", "300000", "");
        cmds.add(concat(new String[] {"RPUSH", "list:big"}, numbered("item-", 5000)));
        cmd(cmds, "SADD", "set:ints", "1", "2", "3", "-70000", "9223372036854775807");
        cmd(cmds, "SADD", "set:words", "alpha", "beta", "gamma");
        cmds.add(concat(new String[] {"SADD", "set:big"}, numbered("member-", 3000)));
        cmd(cmds, "ZADD", "zset:scores", "0.1", "a", "-0.30000000000000004", "b", "1e-300", "c", "inf", "d", "-inf", "e",
                "3.141592653589793", "f", "12345678901234567", "g");
        List<String> zbig = new ArrayList<>(List.of("ZADD", "zset:big"));
        for (int i = 0; i < 2000; i++) {
            zbig.add(Double.toString(rnd.nextDouble() * 1e6));
            zbig.add("m" + i);
        }
        cmd(cmds, zbig.toArray(new String[0]));
        cmd(cmds, "HSET", "hash:small", "name", "ferry", "version", "1", "empty", "");
        List<String> hbig = new ArrayList<>(List.of("HSET", "hash:big"));
        for (int i = 0; i < 2500; i++) {
            hbig.add("field-" + i);
            hbig.add("value-" + rnd.nextInt());
        }
        cmd(cmds, hbig.toArray(new String[0]));
        cmd(cmds, "HSET", "hash:ttl", "a", "1");
        cmd(cmds, "PEXPIREAT", "hash:ttl", Long.toString(dayFromNow));
        cmd(cmds, "PFADD", "hll:visitors", "alice", "bob", "carol");
        cmd(cmds, "GEOADD", "geo:ports", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania");
        for (int i = 1; i <= 40; i++) cmd(cmds, "XADD", "stream:events", i + "-1", "n", Integer.toString(i), "kind", i % 2 == 0 ? "even" : "odd");
        cmd(cmds, "XDEL", "stream:events", "3-1", "4-1");
        cmd(cmds, "XGROUP", "CREATE", "stream:events", "readers", "0");
        cmd(cmds, "XREADGROUP", "GROUP", "readers", "alice", "COUNT", "5", "STREAMS", "stream:events", ">");
        cmd(cmds, "XREADGROUP", "GROUP", "readers", "bob", "COUNT", "3", "STREAMS", "stream:events", ">");
        cmd(cmds, "XACK", "stream:events", "readers", "1-1");
        cmd(cmds, "XGROUP", "CREATE", "stream:events", "latecomers", "$");
        cmd(cmds, "SELECT", "1");
        cmd(cmds, "SET", "db1:key", "in the second db");
        cmd(cmds, "RPUSH", "db1:list", "x", "y");
        cmd(cmds, "SELECT", "0");
        for (byte[][] a : cmds) {
            Reply r = c.call(a);
            if (r.isError()) throw new IllegalStateException("sample data: " + new String(a[0], StandardCharsets.UTF_8) + " failed: " + r);
        }
        Reply f = c.call("FUNCTION", "LOAD", "REPLACE",
                "#!lua name=ferrydemo\nredis.register_function('ferry_hello', function(keys, args) return 'hello' end)");
        if (f.isError() && !f.toString().contains("unknown command")) {
            throw new IllegalStateException("sample data: FUNCTION LOAD failed: " + f);
        }
    }

    private static void cmd(List<byte[][]> cmds, String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) a[i] = b(args[i]);
        cmds.add(a);
    }

    private static byte[][] concat(String[] head, byte[][] tail) {
        byte[][] a = new byte[head.length + tail.length][];
        for (int i = 0; i < head.length; i++) a[i] = b(head[i]);
        System.arraycopy(tail, 0, a, head.length, tail.length);
        return a;
    }

    private static byte[][] numbered(String prefix, int n) {
        byte[][] a = new byte[n][];
        for (int i = 0; i < n; i++) a[i] = b(prefix + i);
        return a;
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] out = new byte[n];
        rnd.nextBytes(out);
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
