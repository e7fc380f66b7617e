package dev.ferry.source.dragonfly;

import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.source.ShardSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an earlier run left every flow on the target ({@link ShardSink#resumeFrom}), and the one answer this run
 * gives the flows' sinks: continued from there ({@link ShardSink#resumed}) or not, and why
 * ({@link ShardSink#cannotResume}). A Dragonfly master continues a replica only with every flow at once, from
 * LSNs of one journal (its replication id), so the checkpoint counts only when every flow has one, all of one
 * master id, none inside a full sync. Used from the session thread (and the source's constructor).
 */
final class TargetCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(DragonflyReplicaSource.class);
    /** How many flows a reason names before "and N more": a master may have hundreds. */
    private static final int NAMED = 4;

    private final List<ShardSink> sinks;
    /** Every flow's position, when they make one resume point; else null. */
    private final List<FlowLsn> positions;
    /** Why the checkpoint cannot be used as it is read (before asking the master), or null. */
    private final String unusable;
    /** What became of the checkpoint: read only by the session thread, and by the summary once it ended. */
    private volatile State state;
    /** What the run's summary says about the checkpoint, or null when there was none. */
    private volatile String note;

    private enum State { NONE, UNTOLD, RESUMED, REFUSED }

    private TargetCheckpoint(List<ShardSink> sinks, List<FlowLsn> positions, String unusable, boolean any) {
        this.sinks = sinks;
        this.positions = positions;
        this.unusable = unusable;
        this.state = any ? State.UNTOLD : State.NONE;
    }

    /** Asks every flow's sink where the earlier run left it; {@code snapshotOnly}: the run copies anew anyway. */
    static TargetCheckpoint read(List<ShardSink> sinks, boolean snapshotOnly) {
        List<Position> found = new ArrayList<>();
        for (ShardSink s : sinks) found.add(s.resumeFrom());
        if (found.stream().allMatch(p -> p == null)) return new TargetCheckpoint(sinks, null, null, false);
        String why = snapshotOnly ? "--mode snapshot copies the whole dataset again" : problem(found);
        List<FlowLsn> positions = null;
        if (why == null) {
            positions = new ArrayList<>();
            for (Position p : found) positions.add((FlowLsn) p);
        }
        return new TargetCheckpoint(sinks, positions, why, true);
    }

    /** Why {@code found} (one position per flow) is no resume point, or null when it is one. */
    private static String problem(List<Position> found) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) if (found.get(i) == null) missing.add(i);
        if (!missing.isEmpty()) {
            return "the target holds no checkpoint for " + flows(missing) + " of the master's " + found.size()
                    + ": the earlier run did not reach the journal on every flow, or the master's shard count changed";
        }
        String master = null;
        for (int i = 0; i < found.size(); i++) {
            Position p = found.get(i);
            if (!(p instanceof FlowLsn f)) {
                return "flow " + i + "'s checkpoint (" + p.describe() + ") is not a Dragonfly journal position: another kind "
                        + "of source left it";
            }
            if (f.flow() != i) return "flow " + i + "'s checkpoint names flow " + f.flow() + ": the master's shards are numbered differently";
            if (f.isInFullSync()) return "flow " + i + "'s checkpoint is inside a full sync: the earlier run had not finished copying";
            if (master == null) master = f.master();
            else if (!master.equals(f.master())) {
                return "the flows' checkpoints name different Dragonfly masters (" + master + " for flow 0, " + f.master()
                        + " for flow " + i + ")";
            }
        }
        return null;
    }

    /** Whether the first session is to ask the master to continue from {@link #master}'s journal at {@link #lsns}. */
    boolean usable() {
        return positions != null && state == State.UNTOLD;
    }

    /** The master id every flow's checkpoint names. */
    String master() {
        return positions.get(0).master();
    }

    /** Each flow's next LSN, as DFLY FLOW takes it. */
    long[] lsns() {
        long[] out = new long[positions.size()];
        for (int i = 0; i < out.length; i++) out[i] = positions.get(i).lsn();
        return out;
    }

    /** The checkpoint was read but cannot be used as it is: tells the sinks, once. */
    void refuseIfUnusable() {
        if (unusable != null) cannotResume(unusable);
    }

    /** Every flow answered PARTIAL from its checkpoint: tells each sink where its flow continues. */
    void resumed(String address) {
        if (!usable()) return;
        state = State.RESUMED;
        for (int i = 0; i < sinks.size(); i++) sinks.get(i).resumed(positions.get(i));
        note = "continued from the checkpoint an earlier run left on the target (" + fromLsns() + ")";
        log.info("Dragonfly {}: continuing from the checkpoint an earlier run left on the target, master {}, {}", address,
                master(), fromLsns());
    }

    /** The run cannot continue from the checkpoint ({@code why}, one line): the full sync that follows copies anew. */
    void cannotResume(String why) {
        if (state != State.UNTOLD) return;
        state = State.REFUSED;
        for (ShardSink s : sinks) s.cannotResume(why);
        note = "could not continue from the target's checkpoint: " + why;
        log.warn("cannot continue from the checkpoint an earlier run left on the target: {}; copying the whole dataset again", why);
    }

    /**
     * Why the master answered FULL to flows {@code full} (of a partial sync asked from the checkpoint): its journal
     * backlog no longer reaches back to their LSNs.
     */
    String journalGone(List<Integer> full) {
        String what = full.size() == 1
                ? String.format(Locale.ROOT, "flow %d's journal from LSN %,d", full.get(0), positions.get(full.get(0)).lsn())
                : "the journal of " + (full.size() == positions.size() ? "every flow" : full.size() + " flows") + " ("
                        + fromLsns(full) + ")";
        return "the master no longer holds " + what + ": its journal backlog (--shard_repl_backlog_len records per shard) "
                + "no longer reaches back there";
    }

    /** For the summary: what became of the checkpoint, or null when the target held none. */
    String note() {
        return note;
    }

    /**
     * Where flow {@code flow} stands on the target while this run has not yet told the sinks otherwise (the master
     * was not reached yet): the earlier run's position, untouched. Null when there is none or it no longer holds.
     */
    FlowLsn standing(int flow) {
        return positions != null && state != State.REFUSED ? positions.get(flow) : null;
    }

    /** "flow 0 from LSN 12, flow 1 from LSN 40, ..., and 6 more" for flows {@code which}. */
    private String fromLsns(List<Integer> which) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < which.size() && i < NAMED; i++) {
            if (i > 0) b.append(", ");
            b.append(String.format(Locale.ROOT, "flow %d from LSN %,d", which.get(i), positions.get(which.get(i)).lsn()));
        }
        if (which.size() > NAMED) b.append(", and ").append(which.size() - NAMED).append(" more");
        return b.toString();
    }

    private String fromLsns() {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < positions.size(); i++) all.add(i);
        return fromLsns(all);
    }

    /** "flow 3", "flows 1, 2", "flows 0, 1, 2, 3 and 5 more". */
    static String flows(List<Integer> flows) {
        if (flows.size() == 1) return "flow " + flows.get(0);
        StringBuilder b = new StringBuilder("flows ");
        for (int i = 0; i < flows.size() && i < NAMED; i++) {
            if (i > 0) b.append(", ");
            b.append(flows.get(i));
        }
        if (flows.size() > NAMED) b.append(" and ").append(flows.size() - NAMED).append(" more");
        return b.toString();
    }
}
