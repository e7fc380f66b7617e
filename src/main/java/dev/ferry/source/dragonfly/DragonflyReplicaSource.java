package dev.ferry.source.dragonfly;

import dev.ferry.source.KeyScope;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.source.LiveSource;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSink;
import dev.ferry.source.ShardSinks;
import dev.ferry.source.ShardSummary;
import dev.ferry.source.SourceSummary;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.Confirmation;
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
 * removing what the earlier copy wrote.
 */
public final class DragonflyReplicaSource implements LiveSource {
    private static final Logger log = LoggerFactory.getLogger(DragonflyReplicaSource.class);
    /** Enables LSN markers on every master since v1.16, stays below the version that adds search-index opcodes. */
    private static final String CLIENT_VERSION = "4";

    public record Settings(boolean snapshotOnly) {
    }

    private final RedisUri uri;
    private final HostPort address;
    private final ConnectOptions co;
    private final ShardSinks sinks;
    private final Settings settings;
    private final String clientId;
    private final int flows;
    private final List<ShardProgress> progress = new ArrayList<>();
    private final List<ShardSink> flowSinks = new ArrayList<>();
    private final boolean targetHasJson;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String failure;
    private volatile boolean snapshotDone;
    private volatile Session current;

    // state that outlives a session: what to resume from
    private String replid;
    private long[] nextLsn;
    private boolean forceFull;
    private boolean copiedBefore;
    private int sessions;
    private int partialSyncs;
    private int fullSyncs;

    private DragonflyReplicaSource(RedisUri uri, ShardSinks sinks, Settings settings, int flows, String clientId) {
        this.uri = uri;
        this.clientId = clientId;
        this.address = uri.hosts().get(0);
        this.co = uri.connectOptions();
        this.sinks = sinks;
        this.settings = settings;
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

    private RespConnection opened;
    private Handshake openedHandshake;

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
    public String failure() {
        return failure;
    }

    private void sessions() {
        long backoff = 500;
        while (!stopping) {
            Session s = new Session();
            current = s;
            try {
                s.run();
                backoff = 500;
            } catch (FatalSourceError | WriteFailedException e) {
                // reconnecting to the source cannot fix refused credentials or a run the writer has stopped
                failure = e.getMessage();
                for (ShardProgress p : progress) p.phase(ShardProgress.Phase.FAILED);
                s.close();
                return;
            } catch (RuntimeException | InterruptedException e) {
                if (!stopping) log.warn("Dragonfly source {}: {}; reconnecting", uri.redacted(), oneLine(e));
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

    /** One replication session: SYNC<n> with its control connection and flows. */
    private final class Session implements FlowLink.Session {
        private final List<FlowLink> links = new ArrayList<>();
        /** The links by flow, once all are made: what confirmations pushed from reply threads look at. */
        private volatile FlowLink[] byFlow;
        private RespConnection control;
        private volatile boolean cancelled;
        private final Object signal = new Object();
        private int fullSyncEnds;
        private boolean ackSoon;
        private FlushBarrier barrier;

        void run() throws InterruptedException {
            Handshake hs;
            if (opened != null) {
                control = opened;
                hs = openedHandshake;
                opened = null;
            } else {
                control = connect();
                hs = Handshake.run(control, address, clientId);
            }
            sessions++;
            if (hs.flows() != flows) {
                throw new FatalSourceError("the Dragonfly master now has " + hs.flows() + " shards instead of " + flows
                        + "; restart Ferry to copy it again");
            }
            long[] resume = nextLsn;
            boolean tryPartial = resume != null && !forceFull;
            if (tryPartial && !hs.replid().equals(replid)) {
                log.warn("the Dragonfly master's id changed ({} -> {}): it restarted, so its journal cannot continue; copying again",
                        replid, hs.replid());
                tryPartial = false;
            }
            barrier = new FlushBarrier(flows);
            List<String> answers = new ArrayList<>();
            List<RespConnection> conns = new ArrayList<>();
            for (int i = 0; i < flows; i++) {
                RespConnection c = connect();
                conns.add(c);
                String[] cmd = tryPartial
                        ? new String[] {"DFLY", "FLOW", hs.replid(), hs.syncId(), Integer.toString(i), Long.toString(resume[i])}
                        : new String[] {"DFLY", "FLOW", hs.replid(), hs.syncId(), Integer.toString(i)};
                Reply r = c.call(cmd);
                if (r.isError()) {
                    for (RespConnection x : conns) x.close();
                    String m = "DFLY FLOW for flow " + i + " refused: " + r;
                    if (r.toString().startsWith("NOPERM") || r.toString().startsWith("NOAUTH")) {
                        throw new FatalSourceError(m + " (a replication user needs +ping +dfly +replconf)");
                    }
                    throw new RedisConnectionException(m);
                }
                answers.add(r.asList().get(0).asText().toUpperCase(Locale.ROOT));
            }
            boolean allFull = answers.stream().allMatch("FULL"::equals);
            boolean allPartial = answers.stream().allMatch("PARTIAL"::equals);
            if (allPartial && !tryPartial) {
                for (RespConnection x : conns) x.close();
                throw new IllegalStateException("the master answered PARTIAL to a full sync request");
            }
            if (!allFull && !allPartial) {
                for (RespConnection x : conns) x.close();
                forceFull = true;
                throw new IllegalStateException("some flows must fully resync (" + answers + "); starting a full sync");
            }
            replid = hs.replid();
            forceFull = false;
            if (allFull) {
                if (tryPartial) log.warn("the Dragonfly master no longer holds the journal from the saved LSNs; copying again");
                if (copiedBefore) {
                    flowSinks.get(0).removeCopiedData("a new full sync from the Dragonfly master");
                }
                copiedBefore = true;
                fullSyncs++;
                log.info("Dragonfly {} ({}): full sync of {} flow(s) as {}", address, replid, flows, hs.syncId());
            } else {
                partialSyncs++;
                log.info("Dragonfly {}: partial sync of {} flow(s) as {}, from LSNs {}", address, flows, hs.syncId(),
                        java.util.Arrays.toString(resume));
            }
            for (int i = 0; i < flows; i++) {
                links.add(new FlowLink(i, replid, conns.get(i), allFull, allFull ? -1 : resume[i], flowSinks.get(i),
                        progress.get(i), this, settings.snapshotOnly(), targetHasJson,
                        "s" + sessions + "-flow-" + i));
            }
            byFlow = links.toArray(new FlowLink[0]);
            for (FlowLink l : links) l.start();
            // the master answers STARTSTABLE only once every flow took its snapshot's end: as slow as the target
            control.setReadTimeout(300_000);
            if (allFull) {
                control.callOk("DFLY", "SYNC", hs.syncId());
                synchronized (signal) {
                    while (fullSyncEnds < flows && !anyFailed()) {
                        signal.wait(100);
                        for (FlowLink l : links) progress.get(l.flow).snapshotBytesRead(l.bytesRead());
                    }
                }
                failIfAny();
                if (settings.snapshotOnly()) {
                    for (FlowLink l : links) l.join();
                    failIfAny();
                    sinks.drain();
                    snapshotDone = true;
                    return;
                }
            }
            control.callOk("DFLY", "STARTSTABLE", hs.syncId());
            acks();
        }

        /** Until the session breaks: ACKs once a second, right after a PING, or after 1024 records. */
        private void acks() throws InterruptedException {
            long[] lastAckAt = new long[flows];
            long[] lastAcked = new long[flows];
            while (!stopping) {
                failIfAny();
                boolean live = true;
                for (FlowLink l : links) live &= l.firstAck >= 0;
                if (live && !snapshotDone) {
                    sinks.drain();
                    snapshotDone = true;
                }
                long now = System.currentTimeMillis();
                boolean soon;
                synchronized (signal) {
                    soon = ackSoon;
                    ackSoon = false;
                }
                for (FlowLink l : links) {
                    if (l.firstAck < 0) continue;
                    long committed = committed(l.flow);
                    ShardProgress p = progress.get(l.flow);
                    p.appliedPosition(committed);
                    p.lag(Math.max(0, l.next.get() - Math.max(committed, l.firstAck)), 0);
                    boolean pingConfirmed = l.pingAck > l.acked && committed >= l.pingAck;
                    if (!soon && !pingConfirmed && now - lastAckAt[l.flow] < 1000 && l.recordsSinceAck <= 1024) continue;
                    if (committed < l.firstAck) continue;
                    try {
                        l.ack(committed);
                    } catch (java.io.IOException e) {
                        throw new RedisConnectionException("flow " + l.flow + ": " + e.getMessage());
                    }
                    lastAckAt[l.flow] = now;
                    lastAcked[l.flow] = committed;
                }
                synchronized (signal) {
                    // woken at once by a confirmed PING (confirmed()) or 1024 records; the timeout serves the
                    // once-a-second ACK and notices a failed flow
                    if (!ackSoon) signal.wait(50);
                }
            }
        }

        boolean reachedStable() {
            if (links.size() != flows) return false;
            for (FlowLink l : links) if (l.firstAck < 0) return false;
            return true;
        }

        private boolean anyFailed() {
            for (FlowLink l : links) if (l.error != null) return true;
            return false;
        }

        /**
         * Throws what ended a flow. One flow's gap closes the whole session, so the others end with a lost
         * connection at the same moment: the reason that forbids resuming must win over those, whichever flow
         * reported first.
         */
        private void failIfAny() {
            for (FlowLink l : links) {
                if (l.error instanceof WriteFailedException w) throw w;
            }
            if (mustCopyAgain()) {
                for (FlowLink l : links) {
                    if (l.error instanceof FlowLink.LsnGap || l.error instanceof FlowLink.RestartFullSync) {
                        throw new IllegalStateException(l.error.getMessage());
                    }
                }
            }
            for (FlowLink l : links) {
                Throwable t = l.error;
                if (t == null) continue;
                if (t instanceof RuntimeException re) throw re;
                throw new IllegalStateException(t);
            }
        }

        /** Whether a flow found the journal broken (a gap, a flush inside the full sync): then only a full sync will do. */
        private boolean mustCopyAgain() {
            for (FlowLink l : links) {
                if (l.error instanceof FlowLink.LsnGap || l.error instanceof FlowLink.RestartFullSync) forceFull = true;
            }
            return forceFull;
        }

        /** After the session ended: drain, then remember each flow's next LSN if every flow reached the journal. */
        void saveResumePoint() {
            try {
                sinks.drain();
            } catch (RuntimeException e) {
                return; // the run is failing anyway
            }
            if (mustCopyAgain()) {
                nextLsn = null;
                return;
            }
            if (links.isEmpty()) return; // nothing was streamed: the previous resume point still holds
            long[] lsns = new long[flows];
            for (FlowLink l : links) {
                if (l.firstAck < 0) {
                    nextLsn = null; // a full sync was under way: only a new one can finish it
                    return;
                }
                lsns[l.flow] = l.next.get();
            }
            nextLsn = lsns;
        }

        private RespConnection connect() {
            try {
                return RespConnection.open(address, co);
            } catch (RedisConnectionException e) {
                if (e.getMessage().contains("authentication")) throw new FatalSourceError(e.getMessage());
                throw e;
            }
        }

        void close() {
            cancelled = true;
            if (control != null) control.close();
            for (FlowLink l : links) l.close();
            for (FlowLink l : links) {
                try {
                    l.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * Pushed by the writer (on a reply thread) when flow {@code flow}'s positions moved: a PING the master waits
         * on (WAIT, TAKEOVER) is acknowledged as soon as the target confirmed it.
         */
        void confirmed(int flow, Confirmation c) {
            FlowLink[] links = byFlow;
            if (links == null || flow >= links.length) return;
            FlowLink l = links[flow];
            long lsn = lsn(c.committed());
            if (l.pingAck > l.acked && lsn >= l.pingAck) ackSoon();
        }

        @Override public boolean cancelled() { return cancelled || stopping; }

        @Override public FlushBarrier barrier() { return barrier; }

        @Override
        public void fullSyncEnded(int flow) {
            synchronized (signal) {
                fullSyncEnds++;
                signal.notifyAll();
            }
        }

        @Override
        public void ackSoon() {
            synchronized (signal) {
                ackSoon = true;
                signal.notifyAll();
            }
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
            out.add(new ShardSummary(p.name(), p.phase(), c == null ? null : c.committed(), c == null ? null : c.confirmed(),
                    Math.max(0, sessions - 1), partialSyncs, fullSyncs, 0));
        }
        return new SourceSummary(out, List.of(String.format(Locale.ROOT,
                "Dragonfly %s: %,d session(s), %,d full and %,d partial sync(s)", address, sessions, fullSyncs, partialSyncs)));
    }

    /** The LSN up to which the target answered every record of flow {@code flow}, or -1. */
    private long committed(int flow) {
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
