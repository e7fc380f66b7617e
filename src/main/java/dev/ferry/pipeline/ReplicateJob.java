package dev.ferry.pipeline;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.NodeIdentity;
import dev.ferry.server.Topology;
import dev.ferry.source.LiveSource;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSinks;
import dev.ferry.source.SnapshotSink;
import dev.ferry.source.SourceSummary;
import dev.ferry.source.dragonfly.DragonflyReplicaSource;
import dev.ferry.source.redis.RedisReplicaSource;
import dev.ferry.util.WriteFailedException;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.writer.WriterOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ferry replicate}: a source's snapshot, then (live mode) its changes, into a target, until stopped.
 * Each source shard (a master) is applied by its own threads into one shared writer.
 */
public final class ReplicateJob {
    private static final Logger log = LoggerFactory.getLogger(ReplicateJob.class);

    public record Settings(RedisUri source, RedisUri target, boolean live, KeyFilter filter, WriterOptions writer,
                           long bigValueThreshold, Path report, RateLimiter rate, boolean ignoreFlush,
                           long spoolMemory, long spoolDisk, Path spoolDir, boolean targetOwned,
                           long sourceTimeoutMillis) {
    }

    /**
     * {@code snapshotComplete} is false when the run was stopped before every shard's snapshot was confirmed (the
     * target then holds a partial copy); {@code sourceKeys} is then the source's key count in scope from its
     * {@code INFO keyspace} (an estimate: it changes while the run goes on), or -1 when it could not be read.
     */
    public record Result(RunStats stats, long keysWritten, long commandsApplied, SourceSummary source, String target,
                         long reconnects, long nonAtomicTransactions, String caveat, boolean snapshotComplete,
                         long sourceKeys, dev.ferry.checkpoint.CutoverSignal.Request cutOver) {
    }

    /** Builds the source, once the target is open, over the sinks it is to write into; the scan mode plugs in here. */
    public interface SourceFactory {
        LiveSource open(ShardSinks sinks);

        /** The checkpoint's kind of run ({@link dev.ferry.checkpoint.RunIdentity#kind()}). */
        default String kind() {
            return "replicate";
        }

        /** Why this source can never continue from a checkpoint (it copies again each time), or null when it can. */
        default String cannotResume() {
            return null;
        }

        /** A source that copies everything again at each start (scan mode: it keeps no record of changes made while down). */
        static SourceFactory copyingAgain(String kind, String why, SourceFactory f) {
            return new SourceFactory() {
                @Override public LiveSource open(ShardSinks sinks) { return f.open(sinks); }
                @Override public String kind() { return kind; }
                @Override public String cannotResume() { return why; }
            };
        }
    }

    /** Where the run keeps its checkpoints on the target ({@code prefix}), and whether it starts over ({@code fresh}). */
    public record CheckpointSettings(String prefix, boolean fresh) {
    }

    private final Settings settings;
    private final RunStats stats = new RunStats();
    private volatile boolean stopRequested;
    /** A stop ended a snapshot part-way (the first, or a new full sync after a resync). */
    private volatile boolean snapshotCut;
    private volatile LiveSource source;
    private volatile TargetWriter writer;
    private volatile TargetOwnership ownership;
    private volatile Checkpoints activeCheckpoints;
    private CheckpointSettings checkpointing;
    private java.util.function.Consumer<String> notices = m -> log.warn(m);

    public ReplicateJob(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Keeps checkpoints on the target: resume from an earlier run's, and write this run's (null: none). */
    public ReplicateJob checkpoints(CheckpointSettings checkpointing) {
        this.checkpointing = checkpointing;
        return this;
    }

    /** Where the lines an operator must see at the start go: resuming, cannot resume, --fresh. */
    public ReplicateJob notices(java.util.function.Consumer<String> notices) {
        java.util.function.Consumer<String> to = notices;
        this.notices = line -> {
            noticed = true;
            to.accept(line);
        };
        return this;
    }

    /**
     * Lines to print once the run said whether it resumes (its first notice), or once its source started without one
     * (a first run), or at the latest after {@value #LATER_NOTICES_MS} ms: the resume window.
     */
    public ReplicateJob laterNotices(List<String> lines) {
        this.later = List.copyOf(lines);
        return this;
    }

    private static final long LATER_NOTICES_MS = 3_000;
    private volatile boolean noticed;
    private List<String> later = List.of();

    private void printLaterNotices(long startedNanos, boolean sourceSettled) {
        if (later.isEmpty()) return;
        if (!noticed && !sourceSettled && System.nanoTime() - startedNanos < LATER_NOTICES_MS * 1_000_000L) return;
        List<String> lines = later;
        later = List.of();
        for (String line : lines) notices.accept(line);
    }

    public RunStats stats() {
        return stats;
    }

    public List<ShardProgress> shards() {
        LiveSource s = source;
        return s == null ? List.of() : s.shards();
    }

    public long keysWritten() {
        TargetWriter w = writer;
        return w == null ? 0 : w.keysWritten();
    }

    /**
     * Source shard {@code shard}'s position up to which every write is on the target (its place in {@link #shards()}),
     * or null.
     */
    public dev.ferry.record.Position confirmed(int shard) {
        TargetWriter w = writer;
        return w == null ? null : w.confirmed(dev.ferry.record.ShardId.of(shard));
    }

    public long commandsApplied() {
        TargetWriter w = writer;
        return w == null ? 0 : w.commandsApplied();
    }

    public boolean snapshotDone() {
        LiveSource s = source;
        return s != null && s.snapshotDone();
    }

    /** The writer's totals, nodes and errors now, or null before the target is open. */
    public dev.ferry.writer.WriterLoad writerLoad() {
        TargetWriter w = writer;
        return w == null ? null : w.load();
    }

    /** When the target last took this run's checkpoint (epoch ms), or -1: none yet, or none kept. */
    public long checkpointWrittenAt() {
        Checkpoints c = activeCheckpoints;
        return c == null ? -1 : c.lastWrittenAt();
    }

    /** When the target's checkpoint was last known current (written, or nothing new to write; epoch ms), or -1. */
    public long checkpointCurrentAt() {
        Checkpoints c = activeCheckpoints;
        return c == null ? -1 : c.currentAt();
    }

    /** The checkpoint's key prefix on the target, or null when the run keeps none. */
    public String checkpointPrefix() {
        return checkpointing == null ? null : checkpointing.prefix();
    }

    /** Whether a stop was asked for (Ctrl-C, --run-for, a cutover): the run is applying what it read, then ends. */
    public boolean stopping() {
        return stopRequested;
    }

    /** Whether a {@code ferry cutover} moved the applications to the target (the run then stops). */
    public boolean cutOver() {
        Checkpoints c = activeCheckpoints;
        return c != null && c.cutOver() != null;
    }

    /** Asks a running job to stop: it applies what it read, then returns its result. */
    public void requestStop() {
        stopRequested = true;
    }

    /** The replica-protocol source for the settings' URI. */
    public SourceFactory replicaSource() {
        if (settings.source().kind() == RedisUri.Kind.DRAGONFLY) {
            return sinks -> DragonflyReplicaSource.open(settings.source(), sinks,
                    new DragonflyReplicaSource.Settings(!settings.live(), settings.sourceTimeoutMillis()));
        }
        return sinks -> RedisReplicaSource.open(settings.source(), sinks,
                new RedisReplicaSource.Settings(!settings.live(), settings.spoolMemory(), settings.spoolDisk(),
                        settings.spoolDir(), settings.sourceTimeoutMillis()));
    }

    /**
     * When a snapshot stops at its next key: a stop during a Redis full sync ends it there rather than applying all
     * that is spooled (at the rate limit); a Dragonfly session is closed by the source's own stop, and a scan
     * checks the stop between pages.
     */
    private boolean stopSnapshot() {
        if (settings.source().kind() == RedisUri.Kind.DRAGONFLY) return false;
        if (stopRequested) snapshotCut = true; // also a new full sync after a resync, once live
        return stopRequested;
    }

    /** How many target failovers one run continues through (each a new run from the new master's checkpoints). */
    private static final int FAILOVER_RESTARTS = 5;

    public Result run(SourceFactory factory) throws IOException {
        KeyReport report = settings.report() == null ? null : KeyReport.open(settings.report());
        try {
            for (int restarts = 0; ; restarts++) {
                String failedOver;
                try (TargetWriter w = TargetWriter.open(settings.target(), settings.writer(), Outcomes.of(stats, report))) {
                    writer = w;
                    try {
                        return runOnce(factory, w, report, restarts == 0 && checkpointing != null && checkpointing.fresh());
                    } catch (RuntimeException e) {
                        failedOver = w.failedOver();
                        if (failedOver == null || stopRequested || restarts >= FAILOVER_RESTARTS) throw e;
                    }
                }
                // what the old master confirmed and the new one lacks is after the new master's checkpoints: a new
                // run from there sends it again (from the source's backlog), or copies again if that is gone
                notices.accept("target failover: " + failedOver + "; continuing from the checkpoints the new master holds");
            }
        } finally {
            if (report != null) report.close();
        }
    }

    private Result runOnce(SourceFactory factory, TargetWriter w, KeyReport report, boolean fresh) {
        LoopCheck.refuseLoops(settings.source(), w);
        Checkpoints checkpoints = null;
        if (checkpointing != null) {
            dev.ferry.checkpoint.RunIdentity now = new dev.ferry.checkpoint.RunIdentity(factory.kind(),
                    settings.source().redacted(), settings.target().redacted(), settings.filter().identity(), null, null);
            checkpoints = Checkpoints.open(w, new dev.ferry.checkpoint.CheckpointKeys(checkpointing.prefix()), now,
                    fresh, factory.cannotResume(), settings.targetOwned(), notices);
            ownership = checkpoints.ownership();
        } else {
            ownership = TargetOwnership.of(w, settings.targetOwned());
        }
        try (Checkpoints closing = checkpoints) {
            return run(factory, w, checkpoints, report);
        }
    }

    private Result run(SourceFactory factory, TargetWriter w, Checkpoints checkpoints, KeyReport report) {
        if (!settings.targetOwned() && !ownership.occupiedAtStart().isEmpty()) {
            log.info("target {} already holds keys in {}: Ferry will never clear those dbs (a new full sync or a "
                    + "source FLUSHALL/FLUSHDB would stop the run instead; --target-owned says they hold only this "
                    + "source's data)", settings.target().redacted(), ownership.describe(ownership.occupiedAtStart().keySet()));
        }
        WriteListener outcomes = Outcomes.of(stats, report);
        WriterOptions wo = settings.writer();
        Pipelines sinks = new Pipelines(w, settings.filter(), settings.rate(), stats, outcomes, wo.batch(),
                settings.bigValueThreshold(), wo.replace(), settings.ignoreFlush(), ownership, this::stopSnapshot);
        if (checkpoints != null) sinks.checkpoints(checkpoints, notices);
        activeCheckpoints = checkpoints;
        LiveSource s = factory.open(sinks);
        source = s;
        try (s) {
            s.start();
            if (checkpoints != null) checkpoints.start();
            boolean announced = false;
            long started = System.nanoTime();
            while (!stopRequested) {
                printLaterNotices(started, s.snapshotDone() || (checkpoints == null && settings.live()));
                RuntimeException failure = s.failure();
                if (failure != null) throw endedBy(failure);
                // a lost target ends the run even while the source is quiet
                if (w.failure() != null) throw new WriteFailedException(w.failure());
                if (checkpoints != null && checkpoints.cutOver() != null) {
                    // ferry cutover moved the applications to the target (the source is paused and drained):
                    // this run's work is done, and reading on would follow a source that is no longer the master
                    log.info("ferry cutover {} moved the applications to the target at {}: stopping",
                            checkpoints.cutOver().id(), checkpoints.cutOver().when());
                    stopRequested = true;
                    break;
                }
                if (s.snapshotDone()) {
                    if (!settings.live()) break;
                    if (!announced) {
                        announced = true;
                        log.info("snapshot copied; following the source's changes until stopped");
                    }
                }
                sleep(50);
            }
            printLaterNotices(started, true); // a short run still says it
            SourceSummary summary = s.stop();
            RuntimeException failure = s.failure();
            // a shard whose full sync a stop ended is not a failure: the result says the copy is partial
            if (failure != null && !(stopRequested && failure instanceof SnapshotSink.Stopped)) throw endedBy(failure);
            w.drain();
            if (checkpoints != null && !stopRequested) {
                // a copy that ends by itself (--mode snapshot): its last writes may have gone to an old master
                // after its replica's promotion; the restart loop continues from the new master's checkpoints
                String failover = w.confirmMasters();
                if (failover != null) throw new WriteFailedException(failover);
            }
            if (checkpoints != null) checkpoints.finish();
            dev.ferry.checkpoint.CutoverSignal.Request cutOver = checkpoints == null ? null : checkpoints.cutOver();
            if (cutOver != null) checkpoints.stoppedForCutover();
            boolean complete = s.snapshotDone() && !snapshotCut;
            return new Result(stats, w.keysWritten(), w.commandsApplied(), summary, w.info().describe(), w.reconnects(),
                    w.nonAtomicTransactions(), s.caveat(), complete, complete ? -1 : sourceKeys(), cutOver);
        }
    }

    /**
     * The source's keys in the dbs in scope, summed over its masters, from {@code INFO keyspace}: the total a
     * partial copy is measured against. -1 when the source cannot tell now.
     */
    private long sourceKeys() {
        RedisUri src = settings.source();
        try {
            long total = 0;
            for (HostPort h : Topology.masters(src)) {
                try (RespConnection c = RespConnection.open(h, src.connectOptions())) {
                    Reply keyspace = c.call("INFO", "keyspace");
                    if (keyspace.isError() || !keyspace.asText().contains("# Keyspace")) return -1;
                    for (Map.Entry<Integer, Long> e : NodeIdentity.keysByDb(Topology.parseInfo(keyspace.asText())).entrySet()) {
                        if (settings.filter().acceptsDb(e.getKey())) total += e.getValue();
                    }
                }
            }
            return total;
        } catch (RuntimeException e) {
            log.debug("source key count unavailable: {}", e.toString());
            return -1;
        }
    }

    /**
     * What the run ends with when its source failed: the source's own exception where it is one the CLI reports as
     * it is (a connection refused, a damaged stream, a target that cannot go on), else its message as a failed run.
     */
    private static RuntimeException endedBy(RuntimeException failure) {
        if (failure instanceof RedisConnectionException || failure instanceof WriteFailedException
                || failure instanceof java.io.UncheckedIOException || failure instanceof dev.ferry.util.UsageException) {
            return failure;
        }
        return new WriteFailedException(failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted");
        }
    }

}
