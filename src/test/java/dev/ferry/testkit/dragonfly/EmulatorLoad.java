package dev.ferry.testkit.dragonfly;

import dev.ferry.resp.Reply;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A seeded write load on the {@link DragonflyMaster} emulator, of commands that are not idempotent (applied twice or
 * lost, they show): INCR/INCRBY, APPEND, LPUSH/RPUSH, LPOP, LMOVE and RPOPLPUSH, HINCRBY, ZINCRBY, SREM
 * of a chosen member (what Dragonfly journals for SPOP), XADD with the ID the master picked (what it journals for
 * XADD *), and transactions of several of them under one txid (what a MULTI block or a script's effects are in the
 * journal), plus SETs with an absolute expiry, DEL and PEXPIREAT.
 *
 * <p>Unlike {@code testkit.Workload} it goes through {@link DragonflyMaster#write}, which runs each command on the
 * backing server and journals it: the emulator journals what it is given, so the commands are already the
 * deterministic forms a real master would journal. The emulator has no hashtags, so a command or transaction over
 * several keys takes them from one flow (Dragonfly would split it per shard).
 */
public final class EmulatorLoad {
    /**
     * No INCRBYFLOAT: Dragonfly computes it in double precision and prints the shortest text (Ferry's translation
     * does the same on the target), while the emulator's backing Redis computes it in long double and prints 17
     * digits, so the two would differ without anything being lost or repeated.
     */
    private static final String[] FAMILIES = {"int", "str", "list", "hash", "zset", "set", "strm"};
    private static final long FAR = 86_400_000L;

    private final DragonflyMaster master;
    private final Random rnd;
    private final int keys;
    private final int rate;
    /** Per family, per flow: the key indexes whose key lives on that flow. */
    private final Map<String, List<List<Integer>>> byFlow = new HashMap<>();
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final Map<String, AtomicLong> errors = new java.util.concurrent.ConcurrentHashMap<>();
    private long streamMs = System.currentTimeMillis();
    private volatile boolean stopping;
    private Thread thread;
    private long startNanos;

    public EmulatorLoad(DragonflyMaster master, long seed, int keys, int commandsPerSecond) {
        this.master = master;
        this.rnd = new Random(seed);
        this.keys = keys;
        this.rate = commandsPerSecond;
        for (String f : FAMILIES) {
            List<List<Integer>> flows = new ArrayList<>();
            for (int i = 0; i < master.flows(); i++) flows.add(new ArrayList<>());
            for (int i = 0; i < keys; i++) flows.get(master.flowOf(key(f, i))).add(i);
            byFlow.put(f, flows);
        }
    }

    public synchronized EmulatorLoad start() {
        startNanos = System.nanoTime();
        thread = new Thread(this::run, "emulator-load");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Stops and returns what was done, e.g. "41,233 commands (1,200 in 300 transactions) in 13.8 s, errors {}". */
    public synchronized String stop() {
        if (thread == null) return "not started";
        stopping = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) throw new IllegalStateException("the emulator load did not stop within 30 s (a write blocked?)");
        thread = null;
        return String.format("%,d commands (%,d transactions) in %.1f s, errors %s", ops.get(), transactions.get(),
                (System.nanoTime() - startNanos) / 1e9, errors);
    }

    public long ops() {
        return ops.get();
    }

    /** Deletes {@code n} keys of the load (one DEL each), e.g. while the replica is down. */
    public void deleteSome(int n) {
        Random r = new Random(rnd.nextLong()); // not the load's own generator: it runs on another thread
        for (int i = 0; i < n; i++) {
            master.write(0, "DEL", key(FAMILIES[r.nextInt(FAMILIES.length)], r.nextInt(keys)));
        }
    }

    private void run() {
        long t0 = System.nanoTime();
        while (!stopping) {
            try {
                if (rnd.nextInt(100) < 6) {
                    transaction();
                } else {
                    String fam = FAMILIES[rnd.nextInt(FAMILIES.length)];
                    int i = rnd.nextInt(keys);
                    count(master.write(0, command(fam, i)));
                }
            } catch (RuntimeException e) {
                errors.computeIfAbsent("CLIENT " + e.getClass().getSimpleName() + ": " + e.getMessage(), k -> new AtomicLong())
                        .incrementAndGet();
                LockSupport.parkNanos(100_000_000L);
            }
            long due = t0 + ops.get() * 1_000_000_000L / rate - System.nanoTime();
            if (due > 0) LockSupport.parkNanos(due);
        }
    }

    /** 2 to 4 commands on keys of one flow under one txid: a MULTI block or a script's effects. */
    private void transaction() {
        int flow = rnd.nextInt(master.flows());
        int n = 2 + rnd.nextInt(3);
        String[][] cmds = new String[n][];
        for (int j = 0; j < n; j++) {
            String fam = FAMILIES[rnd.nextInt(FAMILIES.length)];
            List<Integer> on = byFlow.get(fam).get(flow);
            cmds[j] = command(fam, on.get(rnd.nextInt(on.size())));
        }
        for (Reply r : master.transaction(0, cmds)) count(r);
        transactions.incrementAndGet();
    }

    private void count(Reply r) {
        ops.incrementAndGet();
        if (r.isError()) errors.computeIfAbsent(((Reply.Error) r).code(), k -> new AtomicLong()).incrementAndGet();
    }

    private String[] command(String fam, int i) {
        String k = key(fam, i);
        int r = rnd.nextInt(10);
        if (r == 0) {
            // any family: expiries and deletions, which a lost or repeated record shows as much as a value does
            return switch (rnd.nextInt(3)) {
                case 0 -> new String[] {"DEL", k};
                case 1 -> new String[] {"PEXPIREAT", k, Long.toString(System.currentTimeMillis() + FAR)};
                default -> new String[] {"PERSIST", k};
            };
        }
        return switch (fam) {
            case "int" -> rnd.nextBoolean() ? new String[] {"INCR", k} : new String[] {"INCRBY", k, Integer.toString(rnd.nextInt(2001) - 1000)};
            case "str" -> switch (rnd.nextInt(3)) {
                case 0 -> new String[] {"SET", k, "v" + rnd.nextInt(1000), "PXAT", Long.toString(System.currentTimeMillis() + FAR)};
                default -> new String[] {"APPEND", k, "+" + rnd.nextInt(100)};
            };
            case "list" -> switch (rnd.nextInt(6)) {
                case 0 -> new String[] {"LPUSH", k, "e" + rnd.nextInt(20), "e" + rnd.nextInt(20)};
                case 1 -> new String[] {"RPUSH", k, "e" + rnd.nextInt(20)};
                case 2 -> new String[] {"LPOP", k};
                case 3 -> new String[] {"LMOVE", k, sameFlow("list", k), rnd.nextBoolean() ? "LEFT" : "RIGHT", rnd.nextBoolean() ? "LEFT" : "RIGHT"};
                case 4 -> new String[] {"RPOPLPUSH", k, sameFlow("list", k)};
                default -> new String[] {"LTRIM", k, "0", "30"};
            };
            case "hash" -> rnd.nextInt(3) == 0 ? new String[] {"HSET", k, "v" + rnd.nextInt(10), "x" + rnd.nextInt(100)}
                    : new String[] {"HINCRBY", k, "c" + rnd.nextInt(5), Integer.toString(rnd.nextInt(201) - 100)};
            case "zset" -> rnd.nextInt(3) == 0 ? new String[] {"ZADD", k, Integer.toString(rnd.nextInt(100)), "m" + rnd.nextInt(30)}
                    : new String[] {"ZINCRBY", k, Double.toString((rnd.nextDouble() - 0.5) * 10), "m" + rnd.nextInt(30)};
            case "set" -> rnd.nextBoolean() ? new String[] {"SADD", k, "m" + rnd.nextInt(30), "m" + rnd.nextInt(30)}
                    : new String[] {"SREM", k, "m" + rnd.nextInt(30)}; // SPOP as journaled: the member it popped
            default -> rnd.nextInt(5) == 0 ? new String[] {"XTRIM", k, "MAXLEN", "40"}
                    : new String[] {"XADD", k, (streamMs++) + "-0", "f", "v" + rnd.nextInt(1000)}; // XADD * as journaled
        };
    }

    /** Another key of the family on the same flow as {@code k}. */
    private String sameFlow(String fam, String k) {
        List<Integer> on = byFlow.get(fam).get(master.flowOf(k));
        return key(fam, on.get(rnd.nextInt(on.size())));
    }

    private static String key(String fam, int i) {
        return "df:" + fam + ":" + i;
    }
}
