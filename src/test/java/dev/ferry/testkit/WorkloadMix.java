package dev.ferry.testkit;

import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The commands of a {@link Workload}, drawn from one seeded {@link Random} and never from replies, so one seed
 * always gives the same command stream.
 *
 * <p>Keys are {@code family:{tN}:i}: the family fixes the type (so no command ever meets WRONGTYPE) and keys
 * {@code i} of one block of {@value #TAG_SIZE} share the hashtag {@code {tN}}, so multi-key commands, MULTI
 * blocks and scripts pick their keys within one tag and stay in one cluster slot.
 */
final class WorkloadMix {

    static final int TAG_SIZE = 10;
    private static final int STREAMS_PER_TAG = 2;
    static final String LIBRARY = "#!lua name=ferry_workload\n"
            + "redis.register_function('ferry_bump', function(keys, args)\n"
            + "  redis.call('incrby', keys[1], args[1])\n"
            + "  redis.call('hset', keys[2], args[2], args[3])\n"
            + "  return redis.call('rpush', keys[3], args[3])\n"
            + "end)\n";

    /** Families and the Redis type their keys hold. int/flt are strings kept numeric for INCR/INCRBYFLOAT. */
    static final String[] FAMILIES = {"str", "int", "flt", "hash", "list", "set", "zset", "strm", "log"};

    private static final String INCR_AND_HSET =
            "redis.call('incr', KEYS[1]); redis.call('hset', KEYS[2], ARGV[1], ARGV[2]); return 1";
    private static final String PUSH_TRIM_SADD = "redis.call('rpush', KEYS[1], ARGV[1]); "
            + "redis.call('ltrim', KEYS[1], -20, -1); return redis.call('sadd', KEYS[2], ARGV[1])";
    // SPOP is random: the script must reach replicas as its effects, not as the EVAL itself
    private static final String SPOP_TO_ZSET = "local m = redis.call('spop', KEYS[1]); "
            + "if m then redis.call('zadd', KEYS[2], ARGV[1], m) end; "
            + "redis.call('pexpire', KEYS[3], ARGV[2]); return 1";

    private final Random rnd;
    private final int keys;
    private final int dbs;
    private final int[] tagSlots;
    /** Explicit stream IDs come from one counter for all strm: keys, so neither RENAME nor COPY can put a
     * stream's top ID above the next one we add. */
    private long streamMs = 1;
    private final Map<String, long[]> recentIds = new HashMap<>();

    /**
     * Keys of the ordinary families get long TTLs (none runs out during a test), and short-lived keys live in a
     * family of their own ("tmp:") that no other command reads. A copy that expires keys by its own clock (any
     * target that is a master, not a replica) can lose a key a few milliseconds before the source does; a
     * command that reads such a key on the source (ZUNIONSTORE, LMOVE, PERSIST...) then gives a different
     * result there. Tests that compare exactly avoid that race; keys still expire during the run.
     */
    private boolean separateExpiry;

    WorkloadMix separateExpiry(boolean on) {
        this.separateExpiry = on;
        return this;
    }

    WorkloadMix(long seed, int keys, int dbs) {
        this.rnd = new Random(seed);
        this.keys = keys;
        this.dbs = dbs;
        this.tagSlots = new int[(keys + TAG_SIZE - 1) / TAG_SIZE];
        for (int t = 0; t < tagSlots.length; t++) tagSlots[t] = Slots.of(bytes("{t" + t + "}"));
    }

    WorkloadOp next() {
        int i = rnd.nextInt(keys);
        int r = rnd.nextInt(1000);
        if (dbs > 1 && r < 5) return new WorkloadOp(-1, one(c("SELECT", rnd.nextInt(dbs))));
        if (r < 8) return op(i, big(i));
        if (r < 60) return op(i, multi(i));
        if (r < 95) return op(i, eval(i));
        if (r < 110) return op(i, one(fcall(i)));
        if (separateExpiry && r < 160) {
            return op(i, one(c("SET", key("tmp", i), value(), "PX", 50 + rnd.nextInt(1951))));
        }
        return op(i, simple(i));
    }

    /** INCRs of one key, for de-duplication tests: many writes, one final value. */
    static WorkloadOp incr(String key) {
        byte[] k = bytes(key);
        return new WorkloadOp(Slots.of(k), one(new byte[][] {bytes("INCR"), k}));
    }

    private WorkloadOp op(int i, List<byte[][]> commands) {
        return new WorkloadOp(tagSlots[i / TAG_SIZE], commands);
    }

    private List<byte[][]> simple(int i) {
        int r = rnd.nextInt(110);
        if (r < 20) return str(i);
        if (r < 28) return one(intCounter(i));
        if (r < 32) return one(floatCounter(i));
        if (r < 46) return one(hash(i));
        if (r < 60) return one(list(i));
        if (r < 70) return one(set(i));
        if (r < 82) return one(zset(i));
        if (r < 92) return stream(i);
        if (r < 96) return log(i);
        return one(generic(i));
    }

    private List<byte[][]> multi(int i) {
        List<byte[][]> cmds = new ArrayList<>();
        cmds.add(c("MULTI"));
        int n = 2 + rnd.nextInt(4);
        for (int j = 0; j < n; j++) cmds.addAll(simple(sibling(i)));
        cmds.add(c("EXEC"));
        return cmds;
    }

    // ---------------------------------------------------------------- strings

    private List<byte[][]> str(int i) {
        byte[] k = key("str", i);
        byte[][] cmd = switch (rnd.nextInt(13)) {
            case 0, 1 -> c("SET", k, value());
            case 2 -> c("SET", k, value(), "EX", ttlSeconds());
            case 3 -> c("SET", k, value(), "PX", ttlMs());
            case 4 -> c("SET", k, value(), "KEEPTTL");
            case 5 -> c("SET", k, value(), rnd.nextBoolean() ? "NX" : "XX", "GET");
            case 6 -> c("APPEND", k, value());
            case 7 -> c("SETRANGE", k, rnd.nextInt(64), value());
            case 8 -> c("GETDEL", k);
            case 9 -> rnd.nextBoolean() ? c("GETEX", k, "PERSIST") : c("GETEX", k, "PX", ttlMs());
            case 10 -> c("PSETEX", k, ttlMs(), value());
            case 11 -> c("SETNX", k, value());
            default -> c("MSET", k, value(), key("str", sibling(i)), value(), key("str", sibling(i)), value());
        };
        return one(cmd);
    }

    private byte[][] intCounter(int i) {
        byte[] k = key("int", i);
        return switch (rnd.nextInt(6)) {
            case 0, 1 -> c("INCR", k);
            case 2 -> c("INCRBY", k, rnd.nextInt(2001) - 1000);
            case 3 -> c("DECR", k);
            case 4 -> c("DECRBY", k, rnd.nextInt(100));
            default -> c("SET", k, rnd.nextInt(1_000_000) - 500_000, "PX", ttlMs());
        };
    }

    private byte[][] floatCounter(int i) {
        byte[] k = key("flt", i);
        // INCRBYFLOAT reaches replicas as SET ... KEEPTTL with the result: exercise many digits and exponents
        return rnd.nextInt(8) == 0 ? c("SET", k, Double.toString(rnd.nextGaussian() * 1e-5))
                : c("INCRBYFLOAT", k, Double.toString((rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(7) - 2)));
    }

    // ---------------------------------------------------------------- hash, list, set, zset

    private byte[][] hash(int i) {
        byte[] k = key("hash", i);
        // field families never mix: v* values, c* integers (HINCRBY), f* floats (HINCRBYFLOAT)
        return switch (rnd.nextInt(7)) {
            case 0, 1 -> c("HSET", k, "v" + rnd.nextInt(30), value(), "v" + rnd.nextInt(30), value());
            case 2 -> c("HINCRBY", k, "c" + rnd.nextInt(5), rnd.nextInt(201) - 100);
            case 3 -> c("HINCRBYFLOAT", k, "f" + rnd.nextInt(3), Double.toString(rnd.nextGaussian() * 10));
            case 4 -> c("HDEL", k, "v" + rnd.nextInt(30), "c" + rnd.nextInt(5));
            case 5 -> c("HSETNX", k, "v" + rnd.nextInt(30), value());
            default -> c("HSET", k, "v" + rnd.nextInt(30), value());
        };
    }

    private byte[][] list(int i) {
        byte[] k = key("list", i);
        return switch (rnd.nextInt(12)) {
            case 0, 1 -> c("LPUSH", k, element(), element());
            case 2, 3 -> c("RPUSH", k, element(), value(), element());
            case 4 -> c("LPOP", k);
            case 5 -> rnd.nextBoolean() ? c("RPOP", k) : c("LPOP", k, 2);
            case 6 -> c("LTRIM", k, 0, 30);
            case 7 -> c("LSET", k, -rnd.nextInt(2), element()); // first or last: "no such key" only when the list is gone
            case 8 -> c("LINSERT", k, rnd.nextBoolean() ? "BEFORE" : "AFTER", element(), element());
            case 9 -> c("LREM", k, rnd.nextInt(3) - 1, element());
            default -> c("LMOVE", k, key("list", sibling(i)), side(), side());
        };
    }

    private byte[][] set(int i) {
        byte[] k = key("set", i);
        byte[] other = key("set", sibling(i));
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2 -> c("SADD", k, member(), member(), member());
            case 3 -> c("SREM", k, member(), member());
            case 4 -> c("SPOP", k); // random: replicas get SREM (or DEL) of what was popped
            case 5 -> c("SPOP", k, 1 + rnd.nextInt(3));
            case 6 -> c("SMOVE", k, other, member());
            case 7 -> c("SINTERSTORE", key("set", sibling(i)), k, other);
            case 8 -> c("SUNIONSTORE", key("set", sibling(i)), k, other);
            default -> c("SRANDMEMBER", k, 2);
        };
    }

    private byte[][] zset(int i) {
        byte[] k = key("zset", i);
        return switch (rnd.nextInt(11)) {
            case 0, 1, 2 -> c("ZADD", k, score(), member(), score(), member());
            case 3 -> c("ZADD", k, rnd.nextBoolean() ? "GT" : "LT", "CH", score(), member());
            // finite increments only: inf + -inf would be NaN, an error
            case 4, 5 -> c("ZINCRBY", k, Double.toString((rnd.nextDouble() - 0.5) * 100), member());
            case 6 -> c("ZREM", k, member(), member());
            case 7 -> rnd.nextBoolean() ? c("ZPOPMIN", k) : c("ZPOPMAX", k, 2);
            case 8 -> c("ZREMRANGEBYRANK", k, 0, 0);
            default -> c(rnd.nextBoolean() ? "ZUNIONSTORE" : "ZINTERSTORE", key("zset", sibling(i)), 2, k,
                    key("zset", sibling(i)), "WEIGHTS", weight(), weight(), "AGGREGATE",
                    new String[] {"SUM", "MIN", "MAX"}[rnd.nextInt(3)]);
        };
    }

    // ---------------------------------------------------------------- streams

    /** Streams with IDs we choose, so XACK/XDEL/XCLAIM/XTRIM MINID name entries that (may) exist. */
    private List<byte[][]> stream(int i) {
        byte[] k = key("strm", i);
        String name = new String(k, StandardCharsets.UTF_8);
        String group = "g" + rnd.nextInt(2);
        // from "0": XREADGROUP delivers what is already there, so PELs fill; BUSYGROUP when it exists: fine
        byte[][] create = c("XGROUP", "CREATE", k, group, "0", "MKSTREAM");
        switch (rnd.nextInt(8)) {
            case 0, 1, 2: {
                long ms = streamMs++;
                long[] recent = recentIds.computeIfAbsent(name, n -> new long[4]);
                recent[(int) (ms % 4)] = ms;
                String id = rnd.nextInt(4) == 0 ? ms + "-*" : ms + "-0"; // "-*": the server picks seq 0
                return one(switch (rnd.nextInt(3)) {
                    case 0 -> c("XADD", k, "MAXLEN", "~", 20, id, "f", value());
                    case 1 -> c("XADD", k, "MAXLEN", 30, id, "f", value(), "g", element());
                    default -> c("XADD", k, id, "f", value());
                });
            }
            case 3:
                return List.of(create, c("XREADGROUP", "GROUP", group, "c" + rnd.nextInt(3), "COUNT", 3, "STREAMS", k, ">"));
            case 4:
                return List.of(create, c("XACK", k, group, recentId(name), recentId(name)));
            case 5:
                return List.of(create, c("XCLAIM", k, group, "c" + rnd.nextInt(3), 0, recentId(name), recentId(name)));
            case 6:
                return one(c("XDEL", k, recentId(name)));
            default:
                return one(rnd.nextBoolean() ? c("XTRIM", k, "MAXLEN", "~", 10)
                        : c("XTRIM", k, "MINID", recentId(name)));
        }
    }

    /** Streams with server-chosen IDs (XADD *), which replicas must receive as explicit IDs. */
    private List<byte[][]> log(int i) {
        byte[] k = key("log", i);
        byte[][] create = c("XGROUP", "CREATE", k, "g", "$", "MKSTREAM");
        return switch (rnd.nextInt(5)) {
            case 0, 1 -> one(c("XADD", k, "MAXLEN", "~", 50, "*", "f", value()));
            case 2 -> List.of(create, c("XREADGROUP", "GROUP", "g", "c" + rnd.nextInt(2), "COUNT", 5, "STREAMS", k, ">"));
            case 3 -> List.of(create, c("XAUTOCLAIM", k, "g", "c" + rnd.nextInt(2), 0, "0-0", "COUNT", 3));
            default -> one(c("XTRIM", k, "MAXLEN", 20));
        };
    }

    private String recentId(String name) {
        long[] recent = recentIds.get(name);
        long ms = recent == null ? 1 : recent[rnd.nextInt(4)];
        return Math.max(ms, 1) + "-0";
    }

    // ---------------------------------------------------------------- any type

    private byte[][] generic(int i) {
        String family = FAMILIES[rnd.nextInt(FAMILIES.length)];
        byte[] k = key(family, i);
        byte[] other = key(family, otherSibling(i)); // COPY of a key onto itself is an error (streams fold, see key)
        return switch (rnd.nextInt(9)) {
            case 0 -> c("PEXPIRE", k, ttlMs());
            case 1 -> c("EXPIRE", k, ttlSeconds());
            case 2 -> c("PERSIST", k);
            case 3 -> c("DEL", k, other);
            case 4 -> c("UNLINK", k);
            case 5, 6 -> c("RENAME", k, other); // "no such key" when k is gone: counted, harmless
            case 7 -> java.util.Arrays.equals(k, other) ? c("PERSIST", k) : c("COPY", k, other, "REPLACE");
            default -> c("PEXPIRE", k, ttlMs(), "NX");
        };
    }

    // ---------------------------------------------------------------- scripts, functions, big values

    private List<byte[][]> eval(int i) {
        byte[][] cmd = switch (rnd.nextInt(3)) {
            case 0 -> c("EVAL", INCR_AND_HSET, 2, key("int", i), key("hash", sibling(i)), "v" + rnd.nextInt(30), value());
            case 1 -> c("EVAL", PUSH_TRIM_SADD, 2, key("list", i), key("set", sibling(i)), member());
            default -> c("EVAL", SPOP_TO_ZSET, 3, key("set", i), key("zset", sibling(i)), key("str", sibling(i)),
                    score(), ttlMs());
        };
        return one(cmd);
    }

    private byte[][] fcall(int i) {
        return c("FCALL", "ferry_bump", 3, key("int", i), key("hash", sibling(i)), key("list", sibling(i)),
                rnd.nextInt(10), "v" + rnd.nextInt(30), element());
    }

    /** Large commands, so the replication stream carries multi-hundred-KB frames. */
    private List<byte[][]> big(int i) {
        switch (rnd.nextInt(3)) {
            case 0: {
                byte[] v = new byte[100 * 1024];
                rnd.nextBytes(v);
                return one(c("SET", key("str", i), v));
            }
            case 1: {
                List<Object> args = new ArrayList<>(List.of("HSET", key("hash", i)));
                for (int f = 0; f < 2000; f++) {
                    args.add("b" + f);
                    args.add(f % 10 == 0 ? binary() : ("x" + rnd.nextInt()));
                }
                return one(c(args.toArray()));
            }
            default: {
                List<Object> args = new ArrayList<>(List.of("ZADD", key("zset", i)));
                for (int m = 0; m < 1000; m++) {
                    args.add(score());
                    args.add("big" + m);
                }
                return one(c(args.toArray()));
            }
        }
    }

    // ---------------------------------------------------------------- keys and values

    private String tag(int i) {
        return "{t" + i / TAG_SIZE + "}";
    }

    private byte[] key(String family, int i) {
        if (family.equals("strm") || family.equals("log")) {
            i -= i % TAG_SIZE - i % STREAMS_PER_TAG; // few streams, so each gets entries, groups and PELs
        }
        return bytes(family + ":" + tag(i) + ":" + i);
    }

    /** Another key index with the same hashtag as {@code i} (maybe {@code i} itself). */
    private int sibling(int i) {
        int first = i / TAG_SIZE * TAG_SIZE;
        return first + rnd.nextInt(Math.min(TAG_SIZE, keys - first));
    }

    /** A sibling other than {@code i}, unless {@code i} is alone in its tag. */
    private int otherSibling(int i) {
        int first = i / TAG_SIZE * TAG_SIZE;
        int size = Math.min(TAG_SIZE, keys - first);
        return size == 1 ? i : first + (i - first + 1 + rnd.nextInt(size - 1)) % size;
    }

    private int ttlMs() {
        return separateExpiry ? 600_000 + rnd.nextInt(1951) : 50 + rnd.nextInt(1951);
    }

    private int ttlSeconds() {
        return separateExpiry ? 600 + rnd.nextInt(2) : 1 + rnd.nextInt(2);
    }

    /** Mostly text, sometimes binary with CR, LF and NUL in it. */
    private Object value() {
        return rnd.nextInt(7) == 0 ? binary() : "val" + rnd.nextInt(100_000);
    }

    private byte[] binary() {
        byte[] b = new byte[4 + rnd.nextInt(40)];
        rnd.nextBytes(b);
        int at = rnd.nextInt(b.length - 3);
        b[at] = '\r';
        b[at + 1] = '\n';
        b[at + 2] = 0;
        return b;
    }

    /** List elements from a small alphabet, so LINSERT pivots and LREM find something. */
    private String element() {
        return "e" + rnd.nextInt(20);
    }

    private String member() {
        return "m" + rnd.nextInt(50);
    }

    private String side() {
        return rnd.nextBoolean() ? "LEFT" : "RIGHT";
    }

    /** Scores that test the text form replicas get: 17 significant digits, exponents, signed zero, infinities. */
    private String score() {
        return switch (rnd.nextInt(10)) {
            case 0 -> "+inf";
            case 1 -> "-inf";
            case 2 -> Double.toString(rnd.nextGaussian() * 1e6);
            case 3 -> "1e-300";
            case 4 -> "0.1";
            case 5 -> "-0.0";
            case 6 -> Double.toString(rnd.nextDouble());
            case 7 -> Long.toString(rnd.nextLong() >> 11); // exact in a double
            case 8 -> "1.7976931348623157e308";
            default -> Integer.toString(rnd.nextInt(100));
        };
    }

    private String weight() {
        return new String[] {"1", "2.5", "-1", "0.333333333333333333", "1e10"}[rnd.nextInt(5)];
    }

    /** A list of one command ({@code List.of(byte[][])} would take it as varargs of byte[]). */
    private static List<byte[][]> one(byte[][] command) {
        return java.util.Collections.singletonList(command);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[][] c(Object... args) {
        byte[][] out = new byte[args.length][];
        for (int a = 0; a < args.length; a++) {
            Object o = args[a];
            out[a] = o instanceof byte[] b ? b : bytes(String.valueOf(o));
        }
        return out;
    }
}
