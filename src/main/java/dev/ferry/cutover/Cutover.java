package dev.ferry.cutover;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.checkpoint.CutoverSignal;
import dev.ferry.checkpoint.RunIdentity;
import dev.ferry.checkpoint.SavedCheckpoint;
import dev.ferry.pipeline.KeyFilter;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.server.Topology;
import dev.ferry.util.UsageException;
import dev.ferry.verify.Difference;
import dev.ferry.verify.VerifyJob;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.writer.WriterOptions;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code ferry cutover}: moves the applications from the source to the target that a running {@code ferry replicate}
 * keeps in step, with no acknowledged write lost. The steps, each undone if a later one before the switch fails:
 * the replicate is asked to write its positions every 50 ms (and answers, which proves it is live); its lag is
 * measured; the source's writes are paused (with a deadline the source keeps by itself); the target's checkpoints are
 * awaited until they reach the source's final offsets; the recent keys (or all) are compared; Sentinel is re-pointed
 * and/or the operator's hook runs; the replicate is told to stop; the old masters are made to refuse writes; the
 * pause ends. Progress is read from the checkpoints on the target (Debezium's rule: an offset counts once the sink
 * confirmed it), so the drain is exact.
 */
public final class Cutover {
    public enum VerifyMode { NONE, RECENT, FULL }

    public record Settings(RedisUri source, RedisUri target, KeyFilter filter, long maxLagMs, long waitMs,
                           long maxPauseMs, VerifyMode verify, long sample, String exec, boolean dryRun,
                           String checkpointPrefix, boolean reverse) {
    }

    /**
     * @param switched   the applications were moved (the target is the master now)
     * @param problem    why the cutover did not happen, or (when switched) what went wrong after the switch; null
     * @param pauseMs    how long the source's writes were paused (-1 when they were not)
     */
    public record Result(boolean switched, String problem, long pauseMs, List<String> finalPositions, List<String> notes,
                         List<HostPort> oldMasters) {
        public boolean ok() {
            return problem == null;
        }
    }

    /** A step failed before the switch: everything is undone and the run says why. */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    /** What the switch needs left of the pause: the Sentinels' answers, the replicate's stop, the old masters. */
    private static final long SWITCH_RESERVE_MS = 700;
    private static final long REPLICATE_ANSWER_MS = 3_000;

    private final Settings s;
    private final Timeline timeline;
    private final Consumer<String> say;
    private final CheckpointKeys keys;

    public Cutover(Settings settings, Consumer<String> say) {
        this.s = settings;
        this.say = say;
        this.timeline = new Timeline(say);
        try {
            this.keys = new CheckpointKeys(settings.checkpointPrefix());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--checkpoint-prefix: " + e.getMessage());
        }
    }

    public Result run() {
        List<SourceMaster> masters = new ArrayList<>();
        WriterOptions options = new WriterOptions(1, 1, 1, true, false, false, WriterOptions.Mode.AUTO, 10_000);
        try (TargetWriter target = TargetWriter.open(s.target(), options, WriteListener.NONE)) {
            SentinelSwitch sentinels = null;
            if (s.source().kind() == RedisUri.Kind.SENTINEL && target.info().cluster()) {
                if (s.exec() == null && !s.dryRun()) {
                    throw new UsageException("Sentinel cannot name a cluster as its master: give --exec CMD to move the "
                            + "applications to the cluster target (the Sentinels are left naming the old master, which "
                            + "refuses writes after the cutover)");
                }
            } else if (s.source().kind() == RedisUri.Kind.SENTINEL) {
                sentinels = SentinelSwitch.of(s.source()); // checks, before anything changes, that every Sentinel agrees
            }
            if (sentinels == null && s.exec() == null && !s.dryRun()) {
                throw new UsageException("nothing would move the applications: the source is not named through Sentinel "
                        + "(redis-sentinel://...), so give --exec CMD, a command that re-points them (DNS, a config service, a "
                        + "load balancer); from a cluster source into one server, their client configuration must also change "
                        + "from cluster to standalone");
            }
            for (HostPort h : Topology.masters(s.source())) masters.add(SourceMaster.open(h, s.source().connectOptions()));
            refuseSameServer(masters, target);
            return run(masters, target, sentinels);
        } finally {
            for (SourceMaster m : masters) m.close();
        }
    }

    private void refuseSameServer(List<SourceMaster> masters, TargetWriter target) {
        for (dev.ferry.server.NodeIdentity t : target.masterIdentities()) {
            for (SourceMaster m : masters) {
                if (t.runId() != null && t.runId().equals(m.runId())) {
                    throw new UsageException("source " + m.address() + " and target " + t.address() + " are the same "
                            + "server (same run_id): a cutover needs the target to be another server");
                }
            }
        }
    }

    private Result run(List<SourceMaster> masters, TargetWriter target, SentinelSwitch sentinels) {
        marks(masters, checkpoint(target)); // refuses, before anything changes, a replicate that does not follow this source
        String id = newId();
        List<String> notes = new ArrayList<>();
        boolean paused = false;
        long pausedAt = -1;
        boolean switchedSentinels = false;
        List<Mark> finals = List.of();
        try {
            long prepareUntil = System.currentTimeMillis() + s.waitMs() + s.maxPauseMs() + 60_000;
            signal(target, CutoverSignal.prepare(id, prepareUntil));
            awaitReplicate(target, id, false, REPLICATE_ANSWER_MS, "no `ferry replicate` into this target answered "
                    + "within " + REPLICATE_ANSWER_MS / 1000 + " s: start it (the same command as before resumes it) and "
                    + "run the cutover again");
            timeline.add("replicate answered cutover " + id + "; measuring its lag");
            checkLag(masters, target);
            if (s.dryRun()) return dryRun(masters, target);

            // pause: from here every source write waits; the source ends the pause itself at the deadline
            long deadline = System.currentTimeMillis() + s.maxPauseMs();
            for (SourceMaster m : masters) {
                String how = m.pause(s.maxPauseMs());
                paused = true;
                if (!m.pausedWritesOnly()) notes.add("source " + m.address() + ": " + how);
            }
            pausedAt = timeline.add("writes paused on " + describe(masters) + " (for " + s.maxPauseMs() + " ms at most)");

            finals = marks(masters, checkpoint(target));
            String behind = awaitPositions(target, finals, deadline - SWITCH_RESERVE_MS);
            if (behind != null) {
                throw new Failed("the target did not catch up within --max-pause " + s.maxPauseMs() + " ms: " + behind);
            }
            timeline.add("drained: the target holds every write the source acknowledged (" + finals.size()
                    + (finals.size() == 1 ? " position" : " positions") + ")");

            verify(target, deadline);

            if (System.currentTimeMillis() > deadline - SWITCH_RESERVE_MS) {
                throw new Failed("too little of --max-pause " + s.maxPauseMs() + " ms was left to switch safely; raise it, "
                        + "or verify less (--verify recent or none)");
            }
            HostPort newMaster = target.masterIdentities().get(0).address();
            if (sentinels != null) {
                String how = sentinels.switchTo(newMaster, s.target().connectOptions(),
                        Math.max(100, deadline - SWITCH_RESERVE_MS / 2 - System.currentTimeMillis()));
                switchedSentinels = true;
                timeline.add("switched: " + how);
            }
            if (s.exec() != null) {
                long left = deadline - SWITCH_RESERVE_MS / 2 - System.currentTimeMillis();
                timeline.add("running --exec (" + left + " ms of the pause left for it)");
                String failed = new Hook(s.exec(), hookEnv(newMaster), say).run(left);
                if (failed != null) throw new Failed(failed);
                timeline.add("--exec exited 0");
            }
        } catch (RuntimeException e) {
            // whatever failed before the switch (a step, a lost connection, a refusal), all of it is undone
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (switchedSentinels) {
                try {
                    sentinels.undo(2_000);
                    timeline.add("Sentinels pointed back to " + sentinels.currentMaster());
                } catch (RuntimeException u) {
                    why += "; and pointing the Sentinels back failed: " + u.getMessage();
                }
            }
            String unpause = paused ? unpauseAll(masters) : null;
            if (paused) timeline.add("writes unpaused" + (unpause == null ? "" : " (" + unpause + ")"));
            clearSignal(target);
            long pauseMs = pausedAt < 0 ? -1 : System.currentTimeMillis() - pausedAt;
            return new Result(false, why, pauseMs, List.of(), notes, List.of());
        }

        // switched: from here nothing is undone; what fails is said, and the exit code says it
        List<String> problems = new ArrayList<>();
        // the pause may have run out during the switch (Sentinel's first link to the new master can take a second):
        // pause again, and drain to where the source is now, so whatever it took meanwhile is on the target too
        // before the replicate stops (nothing changed: the same offsets, and no wait)
        try {
            for (SourceMaster m : masters) m.pause(s.maxPauseMs());
            List<Mark> now = marks(masters, checkpoint(target));
            String behind = awaitPositions(target, now, System.currentTimeMillis() + s.maxPauseMs() - SWITCH_RESERVE_MS);
            if (behind != null) {
                problems.add("the source took writes after its pause ran out and the target did not catch up with them ("
                        + behind + "): run ferry verify");
            }
            finals = now;
        } catch (RuntimeException e) {
            problems.add("checking the source after the switch failed (" + e.getMessage() + "): run ferry verify");
        }
        long doneAt = System.currentTimeMillis();
        HostPort newMaster = target.masterIdentities().get(0).address();
        String targetName = newMaster.toString();
        try {
            signal(target, CutoverSignal.done(id, doneAt, targetName));
        } catch (RuntimeException e) {
            problems.add("telling the replicate to stop failed (" + e.getMessage() + "): stop it yourself");
        }
        // before the old masters change: a Dragonfly master made a replica drops its replicas' connections, which
        // would end the replicate with an error instead of its clean stop
        boolean stopped = false;
        try {
            stopped = awaitReplicate(target, id, true, 2_000, null);
        } catch (RuntimeException e) {
            // said below
        }
        for (SourceMaster m : masters) {
            if (s.reverse()) {
                // it takes the target's writes back from Ferry; the applications' connections go, and Sentinel no
                // longer names it
                try {
                    notes.add("old master " + m.address() + " stays writable for --reverse (Ferry copies the target's "
                            + "writes into it); " + m.disconnectClients() + " client connection(s) closed");
                } catch (RuntimeException e) {
                    problems.add("closing the clients of old master " + m.address() + " failed: " + e.getMessage());
                }
                continue;
            }
            try {
                String undo = m.refuseWrites(newMaster);
                long n = m.disconnectClients();
                notes.add("old master " + m.address() + " refuses writes from now on (undo: " + undo + "); " + n
                        + " client connection(s) closed");
            } catch (RuntimeException e) {
                problems.add("old master " + m.address() + " could not be made to refuse writes (" + e.getMessage()
                        + "): stop the applications writing there");
            }
        }
        if (s.reverse() && sentinels != null) {
            try {
                sentinels.forgetOldServers(2_000);
                notes.add("the Sentinels forgot the old master and its replicas (SENTINEL RESET), so that none makes it "
                        + "a replica of the target while Ferry copies back into it");
            } catch (RuntimeException e) {
                problems.add("SENTINEL RESET failed (" + e.getMessage() + "): a Sentinel may make the old master a replica "
                        + "of the target, which stops the reverse copy");
            }
        }
        String unpause = unpauseAll(masters);
        long pauseMs = System.currentTimeMillis() - pausedAt;
        timeline.add("writes unpaused (paused " + pauseMs + " ms)" + (unpause == null ? "" : ": " + unpause));
        if (stopped) {
            timeline.add("replicate stopped");
            try {
                removeCheckpoint(target);
            } catch (RuntimeException e) {
                problems.add("removing Ferry's checkpoint from the target failed (" + e.getMessage() + "): run `ferry "
                        + "forget --target " + s.target().redacted() + "`");
            }
        } else {
            problems.add("the replicate did not say it stopped: stop it (Ctrl-C); its checkpoint stays on the target, "
                    + "marked as cut over, so a restart refuses to copy into it");
        }
        return new Result(true, problems.isEmpty() ? null : String.join("; ", problems), pauseMs,
                finals.stream().map(Mark::describe).toList(), notes, masters.stream().map(SourceMaster::address).toList());
    }

    /** The positions and identity the target's checkpoint holds now (one HGETALL per target master). */
    private SavedCheckpoint read(TargetWriter target) {
        return SavedCheckpoint.of(target.readRunCheckpoints(keys));
    }

    /** The replicate's checkpoint on the target: refused when there is none, or it is not a replicate's. */
    private SavedCheckpoint checkpoint(TargetWriter target) {
        SavedCheckpoint saved = read(target);
        RunIdentity identity = saved.identity();
        if (identity == null) {
            throw new UsageException("target " + s.target().redacted() + " holds no checkpoint of a `ferry replicate` (under "
                    + keys.prefix() + "): a cutover follows a replicate that keeps checkpoints; start `ferry replicate "
                    + "--source ... --target ...` and let it finish its snapshot first");
        }
        if (!identity.kind().equals("replicate")) {
            throw new UsageException("the checkpoint on target " + s.target().redacted() + " is of a `ferry "
                    + identity.kind() + "`, not of a replicate: there is nothing live to cut over from");
        }
        return saved;
    }

    /**
     * Where every source shard stands now, each tied to the checkpoint's shard that follows it: a Redis master by
     * its replication id, a Dragonfly flow by its master's id and its number. Refused when the checkpoint has no
     * position in that history: the replicate does not follow this source (or its snapshot is not complete).
     */
    private List<Mark> marks(List<SourceMaster> masters, SavedCheckpoint saved) {
        List<Mark> out = new ArrayList<>();
        for (SourceMaster m : masters) {
            if (m.dragonfly()) {
                String master = m.dragonflyId();
                long[] journal = m.journal();
                for (int flow = 0; flow < journal.length; flow++) {
                    Integer shard = null;
                    for (Map.Entry<Integer, Position> e : saved.positions().entrySet()) {
                        if (e.getValue() instanceof FlowLsn f && f.master().equals(master) && f.flow() == flow) shard = e.getKey();
                    }
                    if (shard == null) throw notFollowed(saved, m, "master id " + master + ", flow " + flow);
                    out.add(new Mark(shard, master, journal[flow], true, m.address() + " flow " + flow));
                }
            } else {
                SourceMaster.Offset o = m.offset();
                Integer shard = null;
                for (Map.Entry<Integer, Position> e : saved.positions().entrySet()) {
                    if (e.getValue() instanceof ReplicationOffset r && r.replid().equals(o.replid())) shard = e.getKey();
                }
                if (shard == null) throw notFollowed(saved, m, "replication id " + o.replid());
                out.add(new Mark(shard, o.replid(), o.offset(), false, m.address().toString()));
            }
        }
        return out;
    }

    private UsageException notFollowed(SavedCheckpoint saved, SourceMaster m, String history) {
        return new UsageException("the replicate into target " + s.target().redacted() + " (from " + saved.identity().source()
                + ") has no confirmed position in the history of source master " + m.address() + " (" + history + "): it "
                + "does not follow this source, or its snapshot is not complete yet");
    }

    /**
     * Measures the replicate's lag: the time the target's checkpoint takes to reach where every source shard stood
     * when measuring began. Tries again until {@code --wait}; fails with the last figures.
     */
    private void checkLag(List<SourceMaster> masters, TargetWriter target) {
        long until = System.currentTimeMillis() + s.waitMs();
        String last;
        do {
            long t0 = System.currentTimeMillis();
            SavedCheckpoint before = read(target);
            List<Mark> now = marks(masters, before);
            String behind = awaitPositions(target, now, t0 + s.maxLagMs());
            long took = System.currentTimeMillis() - t0;
            StringBuilder figures = new StringBuilder();
            for (Mark m : now) {
                if (figures.length() > 0) figures.append(", ");
                figures.append(m.name()).append(String.format(Locale.ROOT, " %,d %s", Math.max(0,
                        m.behind(before.positions().get(m.shard()))), m.unit()));
            }
            if (behind == null) {
                timeline.add("lag " + took + " ms (" + figures + " behind when measured); --max-lag " + s.maxLagMs() + " ms");
                return;
            }
            last = "more than " + s.maxLagMs() + " ms (" + behind + ")";
        } while (System.currentTimeMillis() < until);
        throw new Failed("the replicate's lag stayed over --max-lag for --wait " + s.waitMs() + " ms: " + last
                + "; nothing was paused or switched");
    }

    /**
     * Waits until the target's checkpoint reaches every mark, polling every 20 ms until {@code deadlineMs}. Null
     * when reached, else what is still missing.
     */
    private String awaitPositions(TargetWriter target, List<Mark> marks, long deadlineMs) {
        while (true) {
            SavedCheckpoint saved = read(target);
            StringBuilder missing = new StringBuilder();
            for (Mark m : marks) {
                long behind = m.behind(saved.positions().get(m.shard()));
                if (behind == 0) continue;
                if (missing.length() > 0) missing.append(", ");
                missing.append(m.name()).append(behind < 0 ? ": no position in its history"
                        : String.format(Locale.ROOT, ": target %,d %s behind", behind, m.unit()));
            }
            if (missing.length() == 0) return null;
            if (System.currentTimeMillis() >= deadlineMs) return missing.toString();
            pause(20); // waits for the replicate's next 50 ms checkpoint; bounded by deadlineMs
        }
    }

    private void verify(TargetWriter target, long deadline) {
        if (s.verify() == VerifyMode.NONE) {
            timeline.add("not verified (--verify none)");
            return;
        }
        List<Difference> found;
        String what;
        try {
            if (s.verify() == VerifyMode.FULL) {
                VerifyJob.Result r = new VerifyJob(verifySettings(1, 0)).run();
                found = r.differences();
                what = String.format(Locale.ROOT, "all keys (%,d source, %,d target)", r.sourceKeys(), r.targetKeys());
                if (r.notKept() > 0) throw new Failed("verify: " + r.differenceCount() + " keys differ");
            } else {
                List<CutoverSignal.Touched> recent = CutoverSignal.parseRecent(target.readCheckpointField(keys, CutoverSignal.RECENT));
                Map<Integer, List<byte[]>> byDb = new TreeMap<>();
                for (CutoverSignal.Touched t : recent) byDb.computeIfAbsent(t.db(), k -> new ArrayList<>()).add(t.key());
                found = new ArrayList<>(new VerifyJob(verifySettings(1, 0)).checkKeys(byDb));
                long sampled = 0;
                if (s.sample() > 0) { // a sample of 0 is none here (VerifyJob reads 0 as "every key")
                    VerifyJob.Result sample = new VerifyJob(verifySettings(1, s.sample())).run();
                    found.addAll(sample.differences());
                    sampled = sample.sourceKeys() + sample.targetKeys();
                }
                what = String.format(Locale.ROOT, "%,d recently written keys and a sample of %,d", recent.size(), sampled);
            }
        } catch (Failed e) {
            throw e;
        } catch (Exception e) {
            throw new Failed("verify failed: " + e.getMessage());
        }
        if (!found.isEmpty()) {
            Difference d = found.get(0);
            throw new Failed("verify: " + found.size() + " key(s) differ, e.g. " + VerifyJob.printable(d.key()) + " in db "
                    + d.db() + " (" + d.kind().label() + ")");
        }
        if (System.currentTimeMillis() > deadline) {
            throw new Failed("verify took longer than --max-pause " + s.maxPauseMs() + " ms (the source unpaused by "
                    + "itself); use --verify recent, or raise --max-pause");
        }
        timeline.add("verified " + what + ": equal");
    }

    private VerifyJob.Settings verifySettings(int rounds, long sample) {
        return new VerifyJob.Settings(s.source(), s.target(), s.filter().intoTargetDb(s.target().db()).excluding(keys.prefix() + "*"),
                rounds, 1000, 1000, sample, 500, null);
    }

    private Result dryRun(List<SourceMaster> masters, TargetWriter target) {
        List<String> notes = new ArrayList<>();
        try {
            SavedCheckpoint saved = read(target);
            for (Mark m : marks(masters, saved)) {
                notes.add(String.format(Locale.ROOT, "a cutover would pause writes on %s and wait for the target to reach "
                        + "it (%,d %s behind now)", m.describe(), Math.max(0, m.behind(saved.positions().get(m.shard()))), m.unit()));
            }
            if (s.verify() == VerifyMode.FULL || (s.verify() == VerifyMode.RECENT && s.sample() > 0)) {
                // the source is not paused: differences are writes in flight until a later round reads them equal
                VerifyJob.Result r = new VerifyJob(verifySettings(3, s.verify() == VerifyMode.FULL ? 0 : s.sample())).run();
                if (r.differenceCount() > 0) {
                    // a key written all the time never reads equal on both sides while the source goes on: the
                    // cutover itself compares while paused, and fails there if a difference is real
                    Difference d = r.differences().isEmpty() ? null : r.differences().get(0);
                    notes.add(String.format(Locale.ROOT, "verify: %,d key(s) read different in each of 3 rounds while the "
                            + "source kept writing%s; the cutover compares them again while the writes are paused",
                            r.differenceCount(), d == null ? "" : ", e.g. " + VerifyJob.printable(d.key()) + " ("
                                    + d.kind().label() + ")"));
                }
                timeline.add(String.format(Locale.ROOT, "verified %,d source and %,d target keys", r.sourceKeys(), r.targetKeys()));
            }
            return new Result(false, null, -1, List.of(), notes, List.of());
        } catch (Exception e) {
            return new Result(false, "verify failed: " + e.getMessage(), -1, List.of(), notes, List.of());
        } finally {
            clearSignal(target);
        }
    }

    private void signal(TargetWriter target, CutoverSignal.Request r) {
        String error = target.writeCheckpoint(keys, CutoverSignal.FIELD, r.text().getBytes(StandardCharsets.UTF_8));
        if (error != null) throw new Failed("the target refused Ferry's checkpoint field: " + error);
    }

    /** The replicate goes back to its usual pace; the fields this cutover used go. */
    private void clearSignal(TargetWriter target) {
        try {
            target.deleteCheckpoints(keys, List.of(0), CutoverSignal.FIELD, CutoverSignal.SEEN, CutoverSignal.RECENT);
        } catch (RuntimeException e) {
            say.accept("could not remove the cutover's request from the target (" + e.getMessage() + "); the replicate "
                    + "goes on as before once its deadline passes");
        }
    }

    /**
     * Waits up to {@code ms} for the replicate's answer to {@code id} ({@code stopped}: that it stopped). Returns
     * whether it came; with a {@code failure} message, a missing answer fails the cutover instead.
     */
    private boolean awaitReplicate(TargetWriter target, String id, boolean stopped, long ms, String failure) {
        long until = System.currentTimeMillis() + ms;
        while (true) {
            if (CutoverSignal.answered(target.readCheckpointField(keys, CutoverSignal.SEEN), id, stopped)) return true;
            if (System.currentTimeMillis() >= until) {
                if (failure != null) throw new Failed(failure);
                return false;
            }
            pause(20); // waits for the replicate's next look at the request (once a second, or every 50 ms prepared)
        }
    }

    private void removeCheckpoint(TargetWriter target) {
        SavedCheckpoint saved = read(target);
        TreeSet<Integer> dbs = new TreeSet<>(List.of(0));
        if (saved.identity() != null && !target.info().cluster()) dbs.addAll(saved.identity().written());
        target.deleteCheckpoints(keys, dbs);
    }

    private String unpauseAll(List<SourceMaster> masters) {
        List<String> errors = new ArrayList<>();
        for (SourceMaster m : masters) {
            try {
                String e = m.unpause();
                if (e != null) errors.add(m.address() + " unpauses at its deadline (" + e + ")");
            } catch (RuntimeException e) {
                errors.add(m.address() + " unpauses at its deadline (" + e.getMessage() + ")");
            }
        }
        return errors.isEmpty() ? null : String.join("; ", errors);
    }

    private Map<String, String> hookEnv(HostPort newMaster) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FERRY_TARGET_HOST", newMaster.host());
        env.put("FERRY_TARGET_PORT", Integer.toString(newMaster.port()));
        env.put("FERRY_TARGET_URI", s.target().redacted());
        env.put("FERRY_SOURCE_URI", s.source().redacted());
        return env;
    }

    private static String describe(List<SourceMaster> masters) {
        return masters.size() == 1 ? masters.get(0).address().toString() : masters.size() + " masters";
    }

    private static String newId() {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return String.format(Locale.ROOT, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
    }
}
