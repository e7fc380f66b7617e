package dev.ferry.testkit;

import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A large initial dataset, written before a test starts copying, so that a snapshot takes long enough (seconds on
 * this machine) for a crash to land in the middle of it: many small strings and hashes (some with a TTL of a day)
 * and a few big hashes, lists, sorted sets and strings, which a copy writes in pieces. Keys are {@code pre:...},
 * apart from the {@link Workload}'s families; in a cluster each command goes to its slot's master.
 */
public final class Preload {
    private final WorkloadRouter router;
    private long seed = 1;
    private int keys = 150_000;
    private int bigKeys = 40;
    private int bigElements = 5_000;

    private Preload(WorkloadRouter router) {
        this.router = router;
    }

    public static Preload on(RedisServer server) {
        return new Preload(new WorkloadRouter.Single(server));
    }

    public static Preload on(RedisCluster cluster) {
        return new Preload(new WorkloadRouter.Cluster(cluster));
    }

    public Preload seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Small keys (default 150,000). */
    public Preload keys(int keys) {
        this.keys = keys;
        return this;
    }

    /** Big keys of each kind (default 40) and elements in each (default 5,000). */
    public Preload bigKeys(int bigKeys, int elements) {
        this.bigKeys = bigKeys;
        this.bigElements = elements;
        return this;
    }

    /** Writes the dataset; returns the number of keys written. Fails on any error reply. */
    public long run() {
        Random rnd = new Random(seed);
        long written = 0;
        try (WorkloadSender sender = new WorkloadSender(router)) {
            List<WorkloadOp> batch = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                batch.add(small(rnd, i));
                if (batch.size() == 1000) written += send(sender, batch);
            }
            for (int i = 0; i < bigKeys; i++) {
                for (String kind : new String[] {"hash", "list", "zset", "str"}) batch.add(big(rnd, kind, i));
                if (batch.size() >= 20) written += send(sender, batch);
            }
            written += send(sender, batch);
            if (sender.errors().values().stream().mapToLong(Long::longValue).sum() > 0) {
                throw new IllegalStateException("preload got errors: " + sender.errors());
            }
        }
        return written;
    }

    private static long send(WorkloadSender sender, List<WorkloadOp> batch) {
        if (batch.isEmpty()) return 0;
        if (!sender.send(batch)) throw new IllegalStateException("preload lost its connection: " + sender.errors());
        long n = batch.size();
        batch.clear();
        return n;
    }

    private WorkloadOp small(Random rnd, int i) {
        byte[][] cmd;
        if (i % 10 == 9) {
            String k = "pre:h:" + i;
            cmd = WorkloadMix.c("HSET", k, "a", "v" + rnd.nextInt(1000), "b", text(rnd, 40), "n", rnd.nextInt());
        } else if (i % 10 == 8) {
            cmd = WorkloadMix.c("SET", "pre:s:" + i, text(rnd, 64 + rnd.nextInt(192)), "EX", 86_400);
        } else {
            cmd = WorkloadMix.c("SET", "pre:s:" + i, text(rnd, 64 + rnd.nextInt(192)));
        }
        return op(cmd);
    }

    private WorkloadOp big(Random rnd, String kind, int i) {
        String k = "pre:big:" + kind + ":" + i;
        List<Object> args = new ArrayList<>();
        switch (kind) {
            case "hash" -> {
                args.addAll(List.of("HSET", k));
                for (int e = 0; e < bigElements; e++) {
                    args.add("f" + e);
                    args.add(text(rnd, 20));
                }
            }
            case "list" -> {
                args.addAll(List.of("RPUSH", k));
                for (int e = 0; e < bigElements; e++) args.add(text(rnd, 20));
            }
            case "zset" -> {
                args.addAll(List.of("ZADD", k));
                for (int e = 0; e < bigElements; e++) {
                    args.add(Double.toString(rnd.nextGaussian() * 1000));
                    args.add("m" + e);
                }
            }
            default -> {
                args.addAll(List.of("SET", k, text(rnd, 256 * 1024)));
            }
        }
        return op(WorkloadMix.c(args.toArray()));
    }

    private static WorkloadOp op(byte[][] cmd) {
        return new WorkloadOp(Slots.of(cmd[1]), java.util.Collections.singletonList(cmd));
    }

    /** Random letters and digits: values that compress about as well as real text, not zeros. */
    private static String text(Random rnd, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) c[i] = (char) ('0' + rnd.nextInt(75));
        return new String(c);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
