package dev.ferry.testkit;

import dev.ferry.resp.RespConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * A realistic concurrent write load on a source, for replication tests: every write command family (strings,
 * counters, hashes, lists, sets, sorted sets, streams with consumer groups, expiries, renames, MULTI/EXEC, Lua,
 * functions, big and binary values) mixed by a seed, pipelined so it reaches tens of thousands of commands/s.
 *
 * <pre>{@code
 * Workload w = Workload.on(source).seed(7).keys(2000).start();
 * ... run the thing under test ...
 * Workload.Stats s = w.stop();
 * }</pre>
 *
 * <p>In a cluster every op goes to the master owning its hashtag's slot; a MOVED (after a failover) re-reads
 * CLUSTER SLOTS and resends, a lost connection is counted and reconnected. Errors are counted, never thrown.
 * The command stream depends only on the seed and options (see {@link WorkloadMix}); what the data ends up
 * as also depends on timing, since keys get TTLs of 50 ms to 2 s.
 */
public final class Workload {

    /**
     * Error kinds the workload provokes on purpose rather than track state: XGROUP CREATE on a group that
     * exists, RENAME or LSET of a key that has expired or was deleted meanwhile.
     */
    public static final Set<String> EXPECTED_ERRORS = Set.of("BUSYGROUP", "ERR no such key");

    private final RedisServer server;
    private final RedisCluster cluster;
    private long seed = 1;
    private int keys = 2000;
    private int rate;
    private int dbs = 1;

    private volatile boolean stopping;
    private Thread thread;
    private WorkloadSender sender;
    private long startNanos;

    private Workload(RedisServer server, RedisCluster cluster) {
        this.server = server;
        this.cluster = cluster;
    }

    public static Workload on(RedisServer server) {
        return new Workload(server, null);
    }

    public static Workload on(RedisCluster cluster) {
        return new Workload(null, cluster);
    }

    /** Seed of the command mix (default 1). */
    public Workload seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Number of key indexes (default 2000); each index names up to one key per family (str, hash, ...). */
    public Workload keys(int keys) {
        if (keys < 1) throw new IllegalArgumentException("keys must be positive");
        this.keys = keys;
        return this;
    }

    /** At most this many commands per second; 0 (the default) is as fast as the server answers. */
    public Workload rate(int commandsPerSecond) {
        this.rate = Math.max(0, commandsPerSecond);
        return this;
    }

    private boolean separateExpiry;

    /** Short TTLs only on keys nothing else reads (see {@link WorkloadMix#separateExpiry}). */
    public Workload separateExpiry() {
        this.separateExpiry = true;
        return this;
    }

    /** Spread the keys over dbs 0..n-1 with occasional SELECTs (standalone only). */
    public Workload dbs(int dbs) {
        if (dbs < 1) throw new IllegalArgumentException("dbs must be positive");
        if (dbs > 1 && cluster != null) throw new IllegalArgumentException("a cluster has only db 0");
        this.dbs = dbs;
        return this;
    }

    /** Loads the workload's function library, then runs the load on its own thread until {@link #stop()}. */
    public synchronized Workload start() {
        if (thread != null) throw new IllegalStateException("already started");
        loadFunctions();
        sender = new WorkloadSender(router());
        startNanos = System.nanoTime();
        thread = new Thread(this::run, "ferry-workload-" + seed);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Stops sending, waits for the replies in flight, and returns the counts. */
    public synchronized Stats stop() {
        if (thread == null) throw new IllegalStateException("not started");
        stopping = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the workload to stop", e);
        }
        sender.close();
        return stats(sender, System.nanoTime() - startNanos);
    }

    /** {@link #start()}, wait {@code d}, {@link #stop()}. */
    public Stats runFor(Duration d) {
        start();
        RedisTools.sleep(d);
        return stop();
    }

    /** Commands answered so far (live, from any thread). */
    public long opsDone() {
        WorkloadSender s = sender;
        return s == null ? 0 : s.ops();
    }

    /**
     * INCRs {@code key} {@code times} times as fast as pipelining allows, on the calling thread and its own
     * connection: many writes of one key, one final value (for de-duplicating sources). Independent of
     * {@link #start()}.
     */
    public Stats hotKey(String key, int times) {
        long t0 = System.nanoTime();
        try (WorkloadSender hot = new WorkloadSender(router())) {
            WorkloadOp incr = WorkloadMix.incr(key);
            for (int sent = 0; sent < times; ) {
                List<WorkloadOp> batch = new ArrayList<>();
                for (int i = 0; i < 100 && sent < times; i++, sent++) batch.add(incr);
                hot.send(batch);
            }
            return stats(hot, System.nanoTime() - t0);
        }
    }

    private void run() {
        WorkloadMix mix = new WorkloadMix(seed, keys, dbs).separateExpiry(separateExpiry);
        // with a rate limit, smaller batches keep the pace smooth
        int batchSize = rate == 0 ? 50 : Math.max(1, Math.min(50, rate / 100));
        long t0 = System.nanoTime();
        while (!stopping) {
            try {
                List<WorkloadOp> batch = new ArrayList<>();
                for (int n = 0; n < batchSize; ) {
                    WorkloadOp op = mix.next();
                    batch.add(op);
                    n += op.replies();
                }
                if (!sender.send(batch)) pause(100_000_000L); // a node is down: give the failover time
                if (rate > 0) pause(t0 + sender.ops() * 1_000_000_000L / rate - System.nanoTime());
            } catch (RuntimeException e) {
                // a bug here must show in the stats, not kill the load silently
                sender.count("CLIENT " + e.getClass().getSimpleName() + ": " + e.getMessage());
                pause(100_000_000L);
            }
        }
    }

    private static void pause(long nanos) {
        if (nanos > 0) LockSupport.parkNanos(nanos);
    }

    private WorkloadRouter router() {
        return cluster != null ? new WorkloadRouter.Cluster(cluster) : new WorkloadRouter.Single(server);
    }

    /** FUNCTION LOAD on every master (functions are per node; replicas get them by replication). */
    private void loadFunctions() {
        List<RedisServer> masters = cluster != null ? cluster.masters() : List.of(server);
        for (RedisServer m : masters) {
            try (RespConnection c = RespConnection.open(new dev.ferry.resp.RedisUri.HostPort(m.host(), m.port()),
                    WorkloadRouter.options(m))) {
                c.callOk("FUNCTION", "LOAD", "REPLACE", WorkloadMix.LIBRARY);
            }
        }
    }

    private static Stats stats(WorkloadSender s, long nanos) {
        return new Stats(s.ops(), s.errors(), s.resent(), Duration.ofNanos(nanos));
    }

    /**
     * @param ops     commands answered (MULTI, EXEC and every command inside count one each)
     * @param errors  error replies and lost connections by kind: the error code (WRONGTYPE, BUSYGROUP, MOVED
     *                after retries, CONNECTION...) or, for ERR, the message
     * @param resent  ops sent again to the new owner of their slot after a MOVED (a failover happened)
     * @param elapsed how long the load ran
     */
    public record Stats(long ops, Map<String, Long> errors, long resent, Duration elapsed) {

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        public long errors(String kind) {
            return errors.getOrDefault(kind, 0L);
        }

        /** Errors not in {@link #EXPECTED_ERRORS}. */
        public long unexpectedErrors() {
            return errorCount() - EXPECTED_ERRORS.stream().mapToLong(this::errors).sum();
        }

        public long opsPerSecond() {
            return elapsed.toMillis() == 0 ? ops : ops * 1000 / elapsed.toMillis();
        }

        @Override
        public String toString() {
            return ops + " commands in " + elapsed.toMillis() + " ms (" + opsPerSecond() + "/s), " + resent + " resent after MOVED, errors " + errors;
        }
    }
}
