package dev.ferry.source.dragonfly;

import dev.ferry.record.Confirmation;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.source.KeyScope;
import dev.ferry.source.LiveSource;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSink;
import dev.ferry.source.ShardSinks;
import dev.ferry.source.ShardSummary;
import dev.ferry.source.SourceOutage;
import dev.ferry.source.SourceSummary;
import dev.ferry.util.WriteFailedException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a Dragonfly master as one of its replicas: a control connection and one {@code DFLY FLOW} connection per
 * shard; every flow's snapshot is applied in parallel, then its journal. After a broken connection it reconnects
 * and asks each flow to continue from the LSN after the last record the target confirmed ({@code PARTIAL}); when
 * the master cannot (a new master id, a backlog that moved on, an LSN gap) it says why and copies again, after
 * removing what the earlier copy wrote. A new run starts the same way from the flows' LSNs an earlier run left on the
 * target ({@link TargetCheckpoint}), if the master still holds its journal from there.
 */
public final class DragonflyReplicaSource implements LiveSource {
    private static final Logger log = LoggerFactory.getLogger(DragonflyReplicaSource.class);
    /** Enables LSN markers on every master since v1.16, stays below the version that adds search-index opcodes. */
    private static final String CLIENT_VERSION = "4";

    /** Whether to stop after the snapshot; how long the master may stay out of reach ({@link SourceOutage}). */
    public record Settings(boolean snapshotOnly, long outageLimitMillis) {
    }

    private final RedisUri uri;
    final HostPort address;
    final ConnectOptions co;
    final ShardSinks sinks;
    final Settings settings;
    /** Told when a session's flows were accepted; asked after each failed one. */
    final SourceOutage outage;
    final String clientId;
    final int flows;
    final List<ShardProgress> progress = new ArrayList<>();
    final List<ShardSink> flowSinks = new ArrayList<>();
    final boolean targetHasJson;
    private final Thread thread;
    volatile boolean stopping;
    private volatile RuntimeException failure;
    volatile boolean snapshotDone;
    private volatile Session current;

    /** Where an earlier run left the flows on the target, and what this run made of it. */
    final TargetCheckpoint checkpoint;

    // state that outlives a session (read and written by Session): what to resume from
    String replid;
    long[] nextLsn;
    boolean forceFull;
    boolean copiedBefore;
    int sessions;
    int partialSyncs;
    int fullSyncs;

    private DragonflyReplicaSource(RedisUri uri, ShardSinks sinks, Settings settings, int flows, String clientId) {
        this.uri = uri;
        this.clientId = clientId;
        this.address = uri.hosts().get(0);
        this.co = uri.connectOptions();
        this.sinks = sinks;
        this.settings = settings;
        this.outage = new SourceOutage("Dragonfly source " + uri.redacted(), settings.outageLimitMillis());
        this.flows = flows;
        this.targetHasJson = sinks.targetHasModule("rejson");
        for (int i = 0; i < flows; i++) {
            String name = "flow " + i;
            ShardProgress p = new ShardProgress(name);
            p.units("LSN", "records");
            progress.add(p);
            ShardSink sink = sinks.open(i, name, KeyScope.ALL, 16);
            int flow = i;
            sink.onConfirmed(c -> {
                Session current = this.current;
                if (current != null) current.confirmed(flow, c);
            });
            flowSinks.add(sink);
        }
        this.checkpoint = TargetCheckpoint.read(flowSinks, settings.snapshotOnly());
        if (checkpoint.usable()) {
            // the first session asks the master for these LSNs, as after a broken connection within one run
            replid = checkpoint.master();
            nextLsn = checkpoint.lsns();
            // the target holds the earlier run's whole copy, confirmed up to these LSNs, until a full sync replaces it:
            // a stop before the master answers leaves it complete
            snapshotDone = true;
        } else {
            checkpoint.refuseIfUnusable();
        }
        this.thread = new Thread(this::sessions, "dfly-session");
        this.thread.setDaemon(true);
    }

    /** Checks that the source is a Dragonfly master that accepts this replica, and learns its shard count. */
    public static DragonflyReplicaSource open(RedisUri uri, ShardSinks sinks, Settings settings) {
        HostPort h = uri.hosts().get(0);
        RespConnection c = RespConnection.open(h, uri.connectOptions());
        try {
            byte[] raw = new byte[20];
            new SecureRandom().nextBytes(raw); // generateSeed may wait for the kernel's entropy; an id needs none
            String id = HexFormat.of().formatHex(raw);
            Handshake hs = Handshake.run(c, h, id);
            DragonflyReplicaSource s = new DragonflyReplicaSource(uri, sinks, settings, hs.flows(), id);
            // the session this handshake opened is the first one used: a probe session would cost the master a sync id
            s.opened = c;
            s.openedHandshake = hs;
            return s;
        } catch (RuntimeException e) {
            c.close();
            if (e instanceof FatalSourceError) throw new RedisConnectionException(e.getMessage());
            throw e;
        }
    }

    RespConnection opened;
    Handshake openedHandshake;

    @Override
    public List<ShardProgress> shards() {
        return progress;
    }

    @Override
    public void start() {
        thread.start();
    }

    @Override
    public boolean snapshotDone() {
        return snapshotDone;
    }

    @Override
    public RuntimeException failure() {
        return failure;
    }

    private void sessions() {
        long backoff = 500;
        while (!stopping) {
            Session s = new Session(this);
            current = s;
            try {
                s.run();
                backoff = 500;
            } catch (FatalSourceError | WriteFailedException e) {
                // reconnecting to the source cannot fix refused credentials or a run the writer has stopped
                fail(e, s);
                return;
            } catch (RuntimeException | InterruptedException e) {
                if (!stopping) {
                    String giveUp = outage.failed(oneLine(e));
                    if (giveUp != null) {
                        log.error("{}", giveUp);
                        fail(new FatalSourceError(giveUp), s);
                        return;
                    }
                    log.warn("Dragonfly source {}: {}; reconnecting, {}", uri.redacted(), oneLine(e), outage.remaining());
                }
            }
            s.close();
            if (stopping || (settings.snapshotOnly() && snapshotDone)) return;
            if (s.reachedStable()) backoff = 500; // a session that worked for a while: the next attempt starts quickly
            s.saveResumePoint();
            for (ShardProgress p : progress) if (p.phase() != ShardProgress.Phase.FAILED) p.phase(ShardProgress.Phase.RECONNECTING);
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, 5000);
        }
    }

    /** Ends the sessions with {@code e}: the run stops with it. */
    private void fail(RuntimeException e, Session s) {
        failure = e;
        for (ShardProgress p : progress) p.phase(ShardProgress.Phase.FAILED);
        s.close();
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    /** Errors retrying cannot fix: refused credentials, not a Dragonfly master. */
    static final class FatalSourceError extends RuntimeException {
        FatalSourceError(String m) {
            super(m);
        }
    }

    @Override
    public SourceSummary stop() {
        stopping = true;
        Session s = current;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (s != null) s.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure == null) sinks.drain();
        List<ShardSummary> out = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            Confirmation c = flowSinks.get(i).confirmation();
            ShardProgress p = progress.get(i);
            p.appliedPosition(committed(i));
            p.lag(0, 0);
            if (p.phase() != ShardProgress.Phase.FAILED) p.phase(ShardProgress.Phase.STOPPED);
            FlowLsn standing = c == null ? checkpoint.standing(i) : null;
            out.add(standing == null ? ShardSummary.of(p, c, Math.max(0, sessions - 1), partialSyncs, fullSyncs, 0)
                    // nothing answered in this run (the master was not reached): the flow stands where the earlier run left it
                    : new ShardSummary(p.name(), p.phase(), standing, standing, Math.max(0, sessions - 1), partialSyncs, fullSyncs, 0));
        }
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "Dragonfly %s: %,d session(s), %,d full and %,d partial sync(s)", address,
                sessions, fullSyncs, partialSyncs));
        if (checkpoint.note() != null) notes.add("Dragonfly " + address + ": " + checkpoint.note());
        return new SourceSummary(out, notes);
    }

    /**
     * The run cannot continue from the earlier run's checkpoint ({@code why}): the sinks are told, and the pipeline
     * removes the earlier copy as the full sync that follows begins, so until that is in the copy is partial.
     */
    void cannotResume(String why) {
        if (!checkpoint.usable()) return;
        snapshotDone = false;
        nextLsn = null;
        checkpoint.cannotResume(why);
    }

    /**
     * The flows stand on both sides of a flush and can never meet there ({@code why}): only a full sync is exact
     * now; until it is in, the target's copy is partial.
     */
    void flowsApart(String why) {
        snapshotDone = false;
        nextLsn = null;
        checkpoint.flowsApart(why);
    }

    /** The LSN up to which the target answered every record of flow {@code flow}, or -1. */
    long committed(int flow) {
        Confirmation c = flowSinks.get(flow).confirmation();
        return c == null ? -1 : lsn(c.committed());
    }

    @Override
    public void close() {
        stopping = true;
        if (opened != null) opened.close();
        Session s = current;
        if (s != null) s.close();
    }

    /** A confirmed flow position as its LSN, or -1 for none yet (or one inside the full sync). */
    static long lsn(Position p) {
        return p instanceof FlowLsn f && !f.isInFullSync() ? f.lsn() : -1;
    }
}
