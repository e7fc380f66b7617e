package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.pipeline.KeyFilter;
import dev.ferry.pipeline.RateLimiter;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RedisUri;
import dev.ferry.source.ShardProgress;
import dev.ferry.testkit.RedisServer;
import dev.ferry.writer.WriterOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A live {@code replicate} job running in the background of a test, with ways to wait for it to catch up. */
final class LiveRun implements AutoCloseable {
    final ReplicateJob job;
    private final CompletableFuture<ReplicateJob.Result> result;

    private LiveRun(ReplicateJob job) {
        this(job, job.replicaSource());
    }

    private LiveRun(ReplicateJob job, ReplicateJob.SourceFactory factory) {
        this.job = job;
        this.result = CompletableFuture.supplyAsync(() -> {
            try {
                return job.run(factory);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    static LiveRun start(String source, String target) {
        return start(source, target, s -> s);
    }

    static LiveRun start(String source, String target, Function<ReplicateJob.Settings, ReplicateJob.Settings> tweak) {
        return new LiveRun(new ReplicateJob(tweak.apply(settings(source, target))));
    }

    /** A run whose source is built by {@code factory} from the job (its replica source over wrapped sinks, say). */
    static LiveRun startWithSource(String source, String target, Function<ReplicateJob, ReplicateJob.SourceFactory> factory) {
        ReplicateJob job = new ReplicateJob(settings(source, target));
        return new LiveRun(job, factory.apply(job));
    }

    private static ReplicateJob.Settings settings(String source, String target) {
        return new ReplicateJob.Settings(RedisUri.parse(source), RedisUri.parse(target), true,
                new KeyFilter(null, null, null, null, null), writer(), 8L << 20, null, RateLimiter.NONE, false,
                64L << 20, 1L << 30, Path.of(System.getProperty("java.io.tmpdir")), false,
                dev.ferry.source.SourceOutage.DEFAULT_MILLIS);
    }

    static WriterOptions writer() {
        return new WriterOptions(4, 1000, 500, true, false, false, WriterOptions.Mode.AUTO, 30_000);
    }

    void awaitSnapshot() {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!job.snapshotDone()) {
            failIfEnded();
            assertThat(System.currentTimeMillis()).as("snapshot not done in time").isLessThan(deadline);
            sleep(20);
        }
    }

    /** Waits until every shard applied what its master (named in the shard) had written when this was called. */
    void awaitCaughtUp(List<RedisServer> masters) {
        long deadline = System.currentTimeMillis() + 60_000;
        for (RedisServer m : masters) {
            long offset = Long.parseLong(m.infoField("replication", "master_repl_offset"));
            ShardProgress shard = job.shards().stream().filter(s -> s.name().contains(":" + m.port())).findFirst()
                    .orElseThrow(() -> new AssertionError("no shard for " + m + " in " + names()));
            while (shard.appliedPosition() < offset) {
                failIfEnded();
                assertThat(System.currentTimeMillis()).as("%s applied %d of %d", shard.name(), shard.appliedPosition(), offset)
                        .isLessThan(deadline);
                sleep(20);
            }
        }
    }

    /**
     * Waits until every shard applied what the current master of its slots (after any failover) had written when
     * this was called.
     */
    void awaitCaughtUp(dev.ferry.testkit.RedisCluster cluster) {
        List<RedisServer> masters = cluster.masters();
        List<dev.ferry.resp.Reply> slots;
        try (dev.ferry.resp.RespConnection c = dev.ferry.testkit.Datasets.connect(masters.get(0))) {
            slots = c.call("CLUSTER", "SLOTS").asList();
        }
        long deadline = System.currentTimeMillis() + 60_000;
        for (ShardProgress shard : job.shards()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("slots from (\\d+)").matcher(shard.name());
            assertThat(m.find()).as(shard.name()).isTrue();
            int slot = Integer.parseInt(m.group(1));
            int port = -1;
            for (dev.ferry.resp.Reply r : slots) {
                List<dev.ferry.resp.Reply> f = r.asList();
                if (f.get(0).asLong() <= slot && slot <= f.get(1).asLong()) port = (int) f.get(2).asList().get(1).asLong();
            }
            int ownerPort = port;
            RedisServer owner = masters.stream().filter(s -> s.port() == ownerPort).findFirst().orElseThrow();
            long offset = Long.parseLong(owner.infoField("replication", "master_repl_offset"));
            while (shard.appliedPosition() < offset) {
                failIfEnded();
                assertThat(System.currentTimeMillis()).as("%s applied %d of %d", shard.name(), shard.appliedPosition(), offset)
                        .isLessThan(deadline);
                sleep(20);
            }
        }
    }

    /** Waits until shard {@code index} applied what {@code current} (its master now) had written. */
    void awaitCaughtUp(int index, RedisServer current) {
        long deadline = System.currentTimeMillis() + 60_000;
        long offset = Long.parseLong(current.infoField("replication", "master_repl_offset"));
        ShardProgress shard = job.shards().get(index);
        while (shard.appliedPosition() < offset) {
            failIfEnded();
            assertThat(System.currentTimeMillis()).as("%s applied %d of %d", shard.name(), shard.appliedPosition(), offset)
                    .isLessThan(deadline);
            sleep(20);
        }
    }

    private List<String> names() {
        return job.shards().stream().map(ShardProgress::name).toList();
    }

    private void failIfEnded() {
        if (result.isDone()) {
            ReplicateJob.Result r = result.join();
            throw new AssertionError("the job ended early: " + r);
        }
    }

    /**
     * Keys whose description differs between the two maps: "key: source=... target=...". Empty when equal. A
     * consumer group's entries-read (and the lag XINFO derives from it) is left out: Redis's stream does not carry
     * it (XREADGROUP is replicated as XCLAIM ... LASTID), so a real replica shows it unset too.
     */
    static List<String> differences(Map<String, String> source, Map<String, String> target) {
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(source.keySet());
        keys.addAll(target.keySet());
        List<String> out = new java.util.ArrayList<>();
        for (String k : keys) {
            String a = maskEntriesRead(source.get(k));
            String b = maskEntriesRead(target.get(k));
            if (!java.util.Objects.equals(a, b)) out.add(k + ": source=" + a + " target=" + b);
        }
        return out;
    }

    private static String maskEntriesRead(String described) {
        return described == null ? null
                : described.replaceAll("entries-read, [^,\\]]+", "entries-read, *").replaceAll("lag, [^,\\]]+", "lag, *");
    }

    /**
     * Failures other than those of the expiry race: a source key with a TTL that was still alive when a command
     * ran there but had already expired on the target (a master expires keys by its own clock) fails commands
     * such as RENAME or XCLAIM there with "no such key" / NOGROUP; the key is gone on both sides once its time
     * is up, and the data compared afterwards is equal.
     */
    static List<String> unexplainedFailures(ReplicateJob.Result r) {
        List<String> out = new java.util.ArrayList<>();
        r.stats().failedByReason().forEach((reason, n) -> {
            if (!reason.contains("no such key") && !reason.contains("NOGROUP")) out.add(n.count + " x " + reason + " " + n.examples);
        });
        return out;
    }

    /** Waits for the job to end with an error and returns its message (fails the test if it ends cleanly). */
    String awaitFailure() {
        try {
            ReplicateJob.Result r = result.get(90, TimeUnit.SECONDS);
            throw new AssertionError("the job ended without an error: " + r);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().getMessage();
        } catch (Exception e) {
            throw new AssertionError("the job did not end: " + e, e);
        }
    }

    ReplicateJob.Result stop() {
        job.requestStop();
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the job did not stop cleanly: " + e, e);
        }
    }

    /** Waits up to 60 s for {@code condition}; fails early, with its result, if {@code run} (may be null) ends first. */
    static void await(String what, java.util.function.BooleanSupplier condition, CompletableFuture<?> run) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (run != null && run.isDone()) throw new AssertionError("the run ended before " + what + ": " + run.join());
            assertThat(System.currentTimeMillis()).as("waiting for " + what).isLessThan(deadline);
            sleep(20);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!result.isDone()) {
            job.requestStop();
            try {
                result.get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the test already failed; do not hide its reason
            }
        }
    }

}
