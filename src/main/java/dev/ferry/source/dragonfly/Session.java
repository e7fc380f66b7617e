package dev.ferry.source.dragonfly;

import dev.ferry.record.Confirmation;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.source.ShardProgress;
import dev.ferry.util.WriteFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One replication session: SYNC<n> with its control connection and src.flows. */
final class Session implements FlowLink.Session {
    private static final Logger log = LoggerFactory.getLogger(DragonflyReplicaSource.class);

    private final DragonflyReplicaSource src;

    Session(DragonflyReplicaSource src) {
        this.src = src;
    }

    private final List<FlowLink> links = new ArrayList<>();
    /** The links by flow, once all are made: what confirmations pushed from reply threads look at. */
    private volatile FlowLink[] byFlow;
    private RespConnection control;
    private volatile boolean cancelled;
    private final Object signal = new Object();
    private int fullSyncEnds;
    private boolean ackSoon;
    private FlushBarrier barrier;
    private FlushWatch watch;

    void run() throws InterruptedException {
        Handshake hs;
        if (src.opened != null) {
            control = src.opened;
            hs = src.openedHandshake;
            src.opened = null;
        } else {
            control = connect();
            hs = Handshake.run(control, src.address, src.clientId);
        }
        src.sessions++;
        // the summary counts sessions after the first as reconnects; the status endpoint counts them per flow
        if (src.sessions > 1) for (ShardProgress p : src.progress) p.reconnects.increment();
        if (hs.flows() != src.flows) {
            throw new DragonflyReplicaSource.FatalSourceError("the Dragonfly master now has " + hs.flows() + " shards instead of " + src.flows
                    + "; restart Ferry to copy it again");
        }
        long[] resume = src.nextLsn;
        boolean tryPartial = resume != null && !src.forceFull;
        if (tryPartial && !hs.replid().equals(src.replid)) {
            if (src.checkpoint.usable()) {
                src.cannotResume("the Dragonfly master restarted (its replication id changed from " + src.replid + " to "
                        + hs.replid() + "), so its journal cannot continue the earlier run's");
            } else {
                log.warn("the Dragonfly master's id changed ({} -> {}): it restarted, so its journal cannot continue; copying again",
                        src.replid, hs.replid());
            }
            tryPartial = false;
        }
        barrier = new FlushBarrier(src.flows, src.sinks::together);
        watch = new FlushWatch(barrier, src.flows, f -> byFlow[f].handed.get(), this::journalLsns);
        List<String> answers = new ArrayList<>();
        List<RespConnection> conns = new ArrayList<>();
        for (int i = 0; i < src.flows; i++) {
            RespConnection c = connect();
            conns.add(c);
            String[] cmd = tryPartial
                    ? new String[] {"DFLY", "FLOW", hs.replid(), hs.syncId(), Integer.toString(i), Long.toString(resume[i])}
                    : new String[] {"DFLY", "FLOW", hs.replid(), hs.syncId(), Integer.toString(i)};
            Reply r = c.call(cmd);
            if (r.isError()) {
                for (RespConnection x : conns) x.close();
                String m = "DFLY FLOW for flow " + i + " refused: " + r;
                if (((Reply.Error) r).refusesAccess()) {
                    throw new DragonflyReplicaSource.FatalSourceError(m + " (a replication user needs +ping +dfly +replconf)");
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
            src.forceFull = true;
            if (src.checkpoint.usable()) src.cannotResume(src.checkpoint.journalGone(fullFlows(answers)));
            throw new IllegalStateException("some flows must fully resync (" + answers + "); starting a full sync");
        }
        src.replid = hs.replid();
        src.forceFull = false;
        src.outage.answered(); // every flow was accepted: the master is back
        if (allFull) {
            if (tryPartial && src.checkpoint.usable()) src.cannotResume(src.checkpoint.journalGone(fullFlows(answers)));
            else if (tryPartial) log.warn("the Dragonfly master no longer holds the journal from the saved LSNs; copying again");
            // copiedBefore: this run copied already (or continued an earlier run's copy), and removes that copy itself;
            // after the sinks heard cannotResume, the pipeline removes the earlier run's copy as the snapshot begins
            if (src.copiedBefore) {
                // the target holds a partial copy until this full sync is in: a stop now must say so
                src.snapshotDone = false;
                src.flowSinks.get(0).removeCopiedData("a new full sync from the Dragonfly master");
            }
            src.copiedBefore = true;
            src.fullSyncs++;
            if (src.fullSyncs > 1) for (ShardProgress p : src.progress) p.resyncs.increment();
            log.info("Dragonfly {} ({}): full sync of {} flow(s) as {}", src.address, src.replid, src.flows, hs.syncId());
        } else {
            src.checkpoint.resumed(src.address.toString());
            src.copiedBefore = true;
            src.partialSyncs++;
            log.info("Dragonfly {}: partial sync of {} flow(s) as {}, from LSNs {}", src.address, src.flows, hs.syncId(),
                    java.util.Arrays.toString(resume));
        }
        for (int i = 0; i < src.flows; i++) {
            links.add(new FlowLink(i, src.replid, conns.get(i), allFull, allFull ? -1 : resume[i], src.flowSinks.get(i),
                    src.progress.get(i), this, src.settings.snapshotOnly(), src.targetHasJson,
                    "s" + src.sessions + "-flow-" + i));
        }
        byFlow = links.toArray(new FlowLink[0]);
        for (FlowLink l : links) l.start();
        // the master answers STARTSTABLE only once every flow took its snapshot's end: as slow as the target
        control.setReadTimeout(300_000);
        if (allFull) {
            control.callOk("DFLY", "SYNC", hs.syncId());
            synchronized (signal) {
                while (fullSyncEnds < src.flows && !anyFailed()) {
                    signal.wait(100);
                    for (FlowLink l : links) src.progress.get(l.flow).snapshotBytesRead(l.bytesRead());
                }
            }
            failIfAny();
            if (src.settings.snapshotOnly()) {
                for (FlowLink l : links) l.join();
                failIfAny();
                src.sinks.drain();
                src.snapshotDone = true;
                return;
            }
        }
        control.callOk("DFLY", "STARTSTABLE", hs.syncId());
        control.setReadTimeout(10_000); // from here it only asks how far the journal goes, while flows wait at a flush
        acks();
    }

    /** Until the session breaks: ACKs once a second, right after a PING, or after 1024 records. */
    private void acks() throws InterruptedException {
        long[] lastAckAt = new long[src.flows];
        while (!src.stopping) {
            failIfAny();
            String apart = watch.apart(System.nanoTime());
            if (apart != null) {
                src.forceFull = true;
                src.flowsApart(apart);
                throw new IllegalStateException(apart + "; copying the whole dataset again");
            }
            boolean live = true;
            for (FlowLink l : links) live &= l.firstAck >= 0;
            if (live && !src.snapshotDone) {
                src.sinks.drain();
                src.snapshotDone = true;
            }
            long now = System.currentTimeMillis();
            boolean soon;
            synchronized (signal) {
                soon = ackSoon;
                ackSoon = false;
            }
            for (FlowLink l : links) {
                if (l.firstAck < 0) continue;
                long committed = src.committed(l.flow);
                ShardProgress p = src.progress.get(l.flow);
                p.appliedPosition(committed);
                p.lag(Math.max(0, l.next.get() - Math.max(committed, l.firstAck)), l.arrivals.lagMillis(committed, now));
                boolean pingConfirmed = l.pingAck > l.acked && committed >= l.pingAck;
                if (!soon && !pingConfirmed && now - lastAckAt[l.flow] < 1000 && l.recordsSinceAck <= 1024) continue;
                if (committed < l.firstAck) continue;
                try {
                    l.ack(committed);
                } catch (java.io.IOException e) {
                    throw new RedisConnectionException("flow " + l.flow + ": " + e.getMessage());
                }
                lastAckAt[l.flow] = now;
            }
            synchronized (signal) {
                // woken at once by a confirmed PING (confirmed()) or 1024 records; the timeout serves the
                // once-a-second ACK and notices a failed flow
                if (!ackSoon) signal.wait(50);
            }
        }
    }

    /** Each shard's next journal LSN, as the master says on the control connection; null if it refuses to. */
    private long[] journalLsns() {
        try {
            return JournalWindow.lsns(control);
        } catch (IllegalStateException refused) {
            return null;
        }
    }

    private static List<Integer> fullFlows(List<String> answers) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) if (answers.get(i).equals("FULL")) out.add(i);
        return out;
    }

    boolean reachedStable() {
        if (links.size() != src.flows) return false;
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
            if (l.error instanceof FlowLink.LsnGap || l.error instanceof FlowLink.RestartFullSync) src.forceFull = true;
        }
        return src.forceFull;
    }

    /** After the session ended: drain, then remember each flow's next LSN if every flow reached the journal. */
    void saveResumePoint() {
        try {
            src.sinks.drain();
        } catch (RuntimeException e) {
            return; // the run is failing anyway
        }
        if (mustCopyAgain()) {
            src.nextLsn = null;
            return;
        }
        if (links.isEmpty()) return; // nothing was streamed: the previous resume point still holds
        long[] lsns = new long[src.flows];
        for (FlowLink l : links) {
            if (l.firstAck < 0 && l.full) {
                src.nextLsn = null; // a full sync was under way: only a new one can finish it
                return;
            }
            lsns[l.flow] = l.handed.get(); // a partial flow that read nothing yet still holds the LSN it asked for
        }
        src.nextLsn = lsns;
    }

    private RespConnection connect() {
        try {
            return RespConnection.open(src.address, src.co);
        } catch (RedisConnectionException e) {
            if (e instanceof dev.ferry.resp.RedisAuthException) throw new DragonflyReplicaSource.FatalSourceError(e.getMessage());
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
        long lsn = DragonflyReplicaSource.lsn(c.committed());
        if (l.pingAck > l.acked && lsn >= l.pingAck) ackSoon();
    }

    @Override public boolean cancelled() { return cancelled || src.stopping; }

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
