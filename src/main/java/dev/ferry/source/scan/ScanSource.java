package dev.ferry.source.scan;

import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.source.KeyScope;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSinks;
import dev.ferry.source.ShardSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --scan}: copies a source that refuses PSYNC (managed services) with SCAN and DUMP (or type reads
 * where DUMP is refused), then follows changes through keyspace notifications, re-reading each changed key.
 * One shard per source master, each read by its own thread.
 *
 * <p>Use: {@link #snapshot()}, then for live mode {@link #followLive()} and later {@link #stop()}.
 */
public final class ScanSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScanSource.class);

    /** For the CLI to print whenever scan mode runs live, and for the README. */
    public static final String WEAKER_THAN_REPLICATION = "scan mode is weaker than replication: it learns of changes"
            + " through keyspace notifications, which Redis sends fire-and-forget (a dropped subscription or a full"
            + " client output buffer loses them without a trace on the server side). Ferry re-scans after a lost"
            + " subscription and reports every event it had to drop, but cannot see what the server never sent;"
            + " prefer the replica protocol wherever the source allows PSYNC, and verify the target before switching over.";

    private final RedisUri source;
    private final ScanSettings settings;
    private final ScanCounters counters = new ScanCounters();
    private final List<ShardWorker> workers = new ArrayList<>();
    private final ShardSinks sinks;
    private final NotifyConfig.Changes notifyChanges = new NotifyConfig.Changes();
    private final dev.ferry.resp.ConnectOptions connectOptions;
    private ExecutorService live;
    private final List<Future<?>> liveRuns = new ArrayList<>();
    private boolean connected;

    /** Resolves the source's masters (one, Sentinel's, or every cluster master); connects in {@link #snapshot()}. */
    public ScanSource(RedisUri source, ShardSinks sinks, ScanSettings settings) {
        this.source = source;
        this.settings = settings;
        this.sinks = sinks;
        SourceMasters masters = SourceMasters.of(source);
        this.connectOptions = source.connectOptions();
        ShardWorker.Shared shared = new ShardWorker.Shared(connectOptions, counters, settings, masters.cluster(), notifyChanges);
        int i = 0;
        for (HostPort m : masters.masters()) {
            workers.add(new ShardWorker(i, m, shared, sinks.open(i, m.toString(), KeyScope.ALL, 16)));
            i++;
        }
    }

    public List<ShardProgress> shards() {
        List<ShardProgress> p = new ArrayList<>();
        for (ShardWorker w : workers) p.add(w.progress());
        return p;
    }

    /** What each shard did; its positions are the scan's (key and change counts). */
    public List<ShardSummary> summaries() {
        List<ShardSummary> out = new ArrayList<>();
        for (ShardWorker w : workers) out.add(w.summary());
        return out;
    }

    public ScanCounters counters() {
        return counters;
    }

    public ScanSettings settings() {
        return settings;
    }

    /**
     * Copies every key once, all masters in parallel, and returns when the target has confirmed it. In live
     * mode the notification setting is checked and events subscribed to first, so no change made during the
     * copy is missed (they are applied by {@link #followLive()}).
     */
    public void snapshot() throws InterruptedException {
        connect();
        if (settings.live()) log.warn(WEAKER_THAN_REPLICATION);
        runAll(ShardWorker::snapshot);
        sinks.drain();
        for (int i = 0; i < workers.size(); i++) {
            ShardProgress p = workers.get(i).progress();
            p.appliedPosition(workers.get(i).confirmedSequence());
            // without live mode the copy is done; a live shard turns LIVE in followLive()
            if (!settings.live()) p.phase(ShardProgress.Phase.STOPPED);
        }
    }

    private void connect() {
        if (connected) return;
        for (ShardWorker w : workers) {
            w.progress().phase(ShardProgress.Phase.CONNECTING);
            w.connect();
        }
        connected = true;
    }

    private interface ShardTask {
        void run(ShardWorker w) throws InterruptedException;
    }

    private void runAll(ShardTask task) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(workers.size(), r -> {
            Thread t = new Thread(r, "ferry-scan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (ShardWorker w : workers) runs.add(pool.submit(() -> {
                task.run(w);
                return null;
            }));
            for (int i = 0; i < runs.size(); i++) await(runs.get(i), workers.get(i));
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(Future<?> run, ShardWorker w) throws InterruptedException {
        try {
            run.get();
        } catch (ExecutionException e) {
            w.progress().phase(ShardProgress.Phase.FAILED);
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException("source " + w.address() + ": " + cause.getMessage(), cause);
        }
    }

    /** Starts applying changes in the background, one thread per master. Needs live mode and a {@link #snapshot()}. */
    public synchronized void followLive() {
        if (!settings.live()) throw new IllegalStateException("scan source was not set up for live mode");
        if (!connected) throw new IllegalStateException("followLive() before snapshot()");
        if (live != null) return;
        live = Executors.newFixedThreadPool(workers.size(), r -> {
            Thread t = new Thread(r, "ferry-scan-live");
            t.setDaemon(true);
            return t;
        });
        for (ShardWorker w : workers) liveRuns.add(live.submit(() -> {
            try {
                w.followLive();
            } catch (RuntimeException e) {
                // seen by the run at once through liveFailure(), not only when it stops: a master's worker that died
                // (its source gone for longer than the bound) must not leave the run looking live
                if (liveFailure == null) liveFailure = e;
                w.progress().phase(ShardProgress.Phase.FAILED);
                throw e;
            }
            return null;
        }));
    }

    /** What ended a master's live worker, or null while every one runs. */
    public RuntimeException liveFailure() {
        return liveFailure;
    }

    private volatile RuntimeException liveFailure;

    /** Waits until every change notified so far is applied and confirmed; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            checkLiveFailures();
            boolean idle = true;
            for (ShardWorker w : workers) idle &= w.caughtUp();
            if (idle) {
                sinks.drain();
                boolean still = true;
                for (ShardWorker w : workers) still &= w.caughtUp();
                if (still) return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private void checkLiveFailures() throws InterruptedException {
        for (int i = 0; i < liveRuns.size(); i++) {
            if (liveRuns.get(i).isDone()) await(liveRuns.get(i), workers.get(i));
        }
    }

    /**
     * Stops gracefully: takes in every event the source published up to now, stops listening, applies what is
     * queued and waits for the target to confirm it.
     */
    public synchronized void stop() throws InterruptedException {
        for (ShardWorker w : workers) w.stopListening();
        for (ShardWorker w : workers) w.stop();
        try {
            for (int i = 0; i < liveRuns.size(); i++) await(liveRuns.get(i), workers.get(i));
        } finally {
            if (live != null) live.shutdownNow();
        }
        sinks.drain();
        for (int i = 0; i < workers.size(); i++) {
            ShardProgress p = workers.get(i).progress();
            p.appliedPosition(workers.get(i).confirmedSequence());
            p.phase(ShardProgress.Phase.STOPPED);
        }
        if (settings.live()) log.info("scan source {}: {}", source.redacted(), counters.summary());
        if (counters.eventsDropped.sum() > 0) {
            log.warn("{} keyspace event(s) were dropped ({} repair re-scan(s) ran): keys deleted while events were dropped"
                    + " may remain on the target (see the warnings)", counters.eventsDropped.sum(), counters.rescans.sum());
        }
    }

    /**
     * Puts back every source setting this run changed ({@code --set-notify-config}); returns one line per change for
     * the summary. Call after {@link #stop()}; {@link #close()} does it too, whatever ended the run.
     */
    public List<String> restoreSourceSettings() {
        notifyChanges.restore(connectOptions);
        return notifyChanges.lines();
    }

    @Override
    public void close() {
        try {
            for (ShardWorker w : workers) {
                w.stop();
                w.close();
            }
            if (live != null) live.shutdownNow();
        } finally {
            notifyChanges.restore(connectOptions);
        }
    }
}
