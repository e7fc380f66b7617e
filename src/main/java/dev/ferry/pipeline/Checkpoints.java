package dev.ferry.pipeline;

import dev.ferry.checkpoint.CheckpointHash;
import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.checkpoint.CutoverSignal;
import dev.ferry.checkpoint.Guard;
import dev.ferry.checkpoint.PositionText;
import dev.ferry.checkpoint.RunIdentity;
import dev.ferry.checkpoint.SavedCheckpoint;
import dev.ferry.record.Confirmation;
import dev.ferry.record.Position;
import dev.ferry.util.UsageException;
import dev.ferry.writer.TargetWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's checkpoints on the target (Debezium's offsets, kept where the data is): at the start, what an earlier run
 * left there decides where each shard resumes and whether the target holds an earlier copy to replace; while the
 * run goes on, each shard's confirmed position is written to every target master once a second (and at barriers and
 * the end), but only once the shard's snapshot is wholly on the target, since a position inside a snapshot is no
 * place to resume from. Guards of non-repeatable writes travel inside their own MULTI blocks (the writer's
 * {@code Guards}); this class clears a shard's guards when a new full sync begins a new history.
 */
public final class Checkpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

    /** One source shard's part: where it resumes from, and whether its position may be written now. */
    static final class Shard {
        final int index;
        volatile Position resumeFrom;
        volatile Map<Long, Guard> guards = Map.of();
        /** The target holds what an earlier run copied of this shard: a full sync removes it first. */
        volatile boolean earlierCopy;
        /** The shard's snapshot is wholly on the target: its confirmed position is a place to resume from. */
        volatile boolean settled;
        volatile Supplier<Confirmation> confirmation = () -> null;
        String written;

        Shard(int index) {
            this.index = index;
        }
    }

    private final TargetWriter writer;
    private final CheckpointKeys keys;
    private final Consumer<String> notices;
    private final Map<Integer, Shard> shards = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "checkpoints");
        t.setDaemon(true);
        return t;
    });
    private volatile RunIdentity identity;
    /** The earlier run's checkpoint when this run continues it, else null. */
    private volatile SavedCheckpoint saved;
    private volatile boolean everyShardCopiedBefore;
    /** The earlier copy was made by another run (a --fresh start over another source or filters), into these dbs. */
    private volatile java.util.Set<Integer> copiedByAnotherRun;
    private volatile boolean closed;
    private String metaWritten;
    private TargetOwnership ownership;
    private boolean warned;
    /** A {@code ferry cutover} preparing (positions every 50 ms, touched keys listed), or null. */
    private volatile CutoverSignal.Request prepared;
    /** The cutover that moved the applications: the run stops. */
    private volatile CutoverSignal.Request cutOver;
    private final RecentKeys recent = new RecentKeys(RECENT_KEYS);
    /** The {@link RecentKeys#version} last written to the target, or -1. */
    private long recentWritten = -1;
    private long lastWrite;
    /** When the target last took a write of the positions (epoch ms), or -1: for the status endpoint. */
    private volatile long lastWrittenAt = -1;
    /** When the target's checkpoint was last known to hold every confirmed position (written, or nothing new), or -1. */
    private volatile long currentAt = -1;
    private long lastPoll;
    /** Keys listed for a cutover's verify: the newest this many (each check reads them on both sides). */
    static final int RECENT_KEYS = 2_000;

    private Checkpoints(TargetWriter writer, CheckpointKeys keys, Consumer<String> notices) {
        this.writer = writer;
        this.keys = keys;
        this.notices = notices;
    }

    /**
     * Reads what an earlier run left on the target and decides: resume each shard from its position, or copy again
     * (saying why); refuses, before anything is written, a checkpoint of another source, target, filters or command
     * unless {@code fresh}. {@code resumable} is null when the source can continue from a checkpoint, else why not.
     */
    static Checkpoints open(TargetWriter writer, CheckpointKeys keys, RunIdentity now, boolean fresh, String resumable,
                            boolean targetOwned, Consumer<String> notices) {
        Checkpoints c = new Checkpoints(writer, keys, notices);
        List<CheckpointHash> read;
        try {
            read = new ArrayList<>(writer.readCheckpoints(keys, List.of(0)));
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("NOPERM")) throw e;
            throw new UsageException("the target's user may not use Ferry's checkpoint keys (" + keys.prefix() + "*): grant "
                    + "it ~" + keys.prefix() + "* (or name keys it may use with --checkpoint-prefix), or run with "
                    + "--no-checkpoints (a restart then copies everything again)");
        }
        for (CheckpointHash h : read) {
            CutoverSignal.Request r = CutoverSignal.parse(h.fields().get("cutover"));
            if (r != null && r.kind() == CutoverSignal.Kind.DONE) {
                throw new UsageException("the target was cut over at " + r.when() + " (ferry cutover moved the "
                        + "applications to it): it holds their live data now, and a copy into it would overwrite their "
                        + "writes. If you really mean to copy into it again, remove Ferry's checkpoint first with "
                        + "`ferry forget`");
            }
        }
        RunIdentity before = SavedCheckpoint.of(read).identity();
        List<Integer> otherDbs = new ArrayList<>();
        if (before != null && !writer.info().cluster()) for (int db : before.written()) if (db != 0) otherDbs.add(db);
        if (!otherDbs.isEmpty()) read.addAll(writer.readCheckpoints(keys, otherDbs));
        SavedCheckpoint saved = SavedCheckpoint.of(read);
        java.util.Map<Integer, Long> ours = new java.util.TreeMap<>();
        for (CheckpointHash h : read) ours.merge(h.db(), 1L, Long::sum);
        c.decide(saved, now, fresh, resumable, targetOwned, ours);
        return c;
    }

    /** {@code ours}: the checkpoint hashes found per target db, which make no db anyone else's. */
    private void decide(SavedCheckpoint saved, RunIdentity now, boolean fresh, String resumable, boolean targetOwned,
                        java.util.Map<Integer, Long> ours) {
        RunIdentity before = saved.identity();
        SortedSet<Integer> allDbs = new TreeSet<>(List.of(0));
        if (before != null) allDbs.addAll(before.written());
        // an earlier run that wrote nothing (its source was unreachable, a typo in a URI) leaves nothing to continue
        // or to protect: its identity must not make the corrected command start with --fresh
        if (before != null && before.written().isEmpty()) before = null;
        if (before == null) {
            if (!saved.isEmpty()) writer.deleteCheckpoints(keys, allDbs); // a first run that died before writing who it was
            if (fresh) notices.accept("--fresh: the target holds no checkpoint of Ferry's; nothing to remove");
            ownership = TargetOwnership.of(writer, targetOwned, ours);
            identity = now.withDbs(ownedAtStart(ownership), new TreeSet<>());
        } else {
            String mismatch = before.mismatch(now);
            ownership = TargetOwnership.recorded(writer, before.owned(), targetOwned);
            for (int db : before.written()) writer.markWritten(db);
            identity = now.withDbs(ownership.ownedDbs(before.owned()), before.written());
            String copied = "target " + ownership.describeDbs(before.written());
            if (mismatch != null && !fresh) {
                throw new UsageException("the target holds the checkpoint of another run: " + mismatch + ". Run that "
                        + "command again to resume it, or add --fresh to start over (it removes that run's checkpoint and "
                        + "what it copied into " + copied + "), or drop the checkpoint with `ferry forget`");
            }
            if (fresh) {
                if (mismatch != null) copiedByAnotherRun = before.written();
                notices.accept("--fresh: starting over; removing Ferry's checkpoint and, at the full sync, what the earlier "
                        + "run copied into " + copied);
                writer.deleteCheckpoints(keys, allDbs);
                everyShardCopiedBefore = true;
            } else if (resumable != null) {
                notices.accept("cannot resume: " + resumable + "; full sync");
                everyShardCopiedBefore = true;
            } else {
                this.saved = saved; // each shard takes its position as its source opens it
            }
        }
        writer.useCheckpoints(keys);
        writeMeta(true);
        writer.beforeFirstWriteInto(this::recordWritten);
    }

    private static SortedSet<Integer> ownedAtStart(TargetOwnership ownership) {
        SortedSet<Integer> owned = new TreeSet<>();
        for (int db = 0; db < 256; db++) if (ownership.owns(db)) owned.add(db);
        return owned;
    }

    /**
     * The target dbs the earlier copy went into when another run made it (its filters are not this run's, so all of
     * the shard's keys there go), or null when the earlier copy is this run's own.
     */
    java.util.Set<Integer> copiedByAnotherRun() {
        return copiedByAnotherRun;
    }

    TargetOwnership ownership() {
        return ownership;
    }

    CheckpointKeys keys() {
        return keys;
    }

    /**
     * Shard {@code index}'s part, made as its source opens it: its resume point and guards from the earlier run, and
     * whether the target holds what that run copied of it.
     */
    Shard shard(int index) {
        return shards.computeIfAbsent(index, i -> {
            Shard s = new Shard(i);
            if (everyShardCopiedBefore) {
                s.earlierCopy = true;
            } else if (saved != null) {
                s.earlierCopy = true;
                s.resumeFrom = saved.position(i);
                s.guards = saved.guards(i);
                if (s.resumeFrom == null) {
                    notices.accept("cannot resume: source shard " + i + " had not finished its snapshot when the earlier "
                            + "run stopped; full sync");
                }
            }
            return s;
        });
    }

    /**
     * Starts writing the shards' positions once a second, and looking once a second for a {@code ferry cutover}'s
     * request; while one prepares, both every 50 ms, so its drain waits for the writes and not for the clock.
     */
    public long lastWrittenAt() {
        return lastWrittenAt;
    }

    /**
     * When the target's checkpoint was last known current (epoch ms): written, or found with nothing new to write.
     * A quiet source writes nothing for long; this is what says the checkpoint is not falling behind.
     */
    public long currentAt() {
        return currentAt;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::tick, 50, 50, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        long now = System.currentTimeMillis();
        CutoverSignal.Request p = prepared;
        boolean fast = p != null && now < p.atMs();
        try {
            if (fast || now - lastWrite >= 1000) {
                lastWrite = now;
                writePositions(null);
            }
            if (fast || now - lastPoll >= 1000) {
                lastPoll = now;
                pollCutover();
            }
        } catch (RuntimeException e) {
            if (!warned) log.warn("writing the checkpoint to the target failed ({}); trying again each second", e.getMessage());
            warned = true;
        }
    }

    /** Reads the cutover field: a new request is answered at once, a finished cutover stops the run. */
    private void pollCutover() {
        CutoverSignal.Request r = CutoverSignal.parse(writer.readCheckpointField(keys, CutoverSignal.FIELD));
        CutoverSignal.Request p = prepared;
        if (r == null) {
            if (p != null) log.info("ferry cutover {} gave up; following the source as before", p.id());
            prepared = null;
            return;
        }
        if (r.kind() == CutoverSignal.Kind.DONE) {
            cutOver = r;
            return;
        }
        if (p == null || !p.id().equals(r.id())) {
            recent.clear();
            prepared = r;
            log.info("ferry cutover {} is preparing: writing positions every 50 ms", r.id());
            String error = writer.writeCheckpoint(keys, CutoverSignal.SEEN,
                    CutoverSignal.seen(r.id(), false).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (error != null) throw new IllegalStateException("the target refused the checkpoint: " + error);
        } else {
            prepared = r; // a later deadline
        }
    }

    /** A live write touched {@code cmd}'s keys in source db {@code db}: listed while a cutover prepares. */
    void touched(int db, dev.ferry.command.ParsedCommand cmd) {
        if (prepared == null) return;
        byte[][] args = cmd.args();
        for (int i : cmd.keyIndexes()) if (i < args.length) recent.add(db, args[i]);
    }

    /** Whether a cutover is preparing (until its deadline) or done. */
    boolean cutoverUnderWay() {
        CutoverSignal.Request p = prepared;
        return cutOver != null || (p != null && System.currentTimeMillis() < p.atMs());
    }

    /** The cutover that moved the applications to the target, once this run has seen it; else null. */
    CutoverSignal.Request cutOver() {
        return cutOver;
    }

    /** This run has stopped reading the source for the cutover: it says so (the cutover waits for it). */
    void stoppedForCutover() {
        CutoverSignal.Request r = cutOver;
        if (r == null) return;
        String error = writer.writeCheckpoint(keys, CutoverSignal.SEEN,
                CutoverSignal.seen(r.id(), true).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (error != null) log.warn("could not tell ferry cutover that this run stopped: {}", error);
    }

    /**
     * A shard's snapshot begins: its position and guards are no longer true (a new history), so they are removed
     * before any of the snapshot is written; and where the target still holds what an earlier run copied,
     * {@code removeEarlierCopy} removes it (within what Ferry owns). {@code wholeSource}: the shard's removal covers
     * every shard (one server, or Dragonfly's flows), so theirs is done too.
     */
    synchronized void snapshotBegins(int index, boolean wholeSource, Runnable removeEarlierCopy) {
        unsettle(index);
        Shard s = shard(index);
        if (s.earlierCopy) {
            s.earlierCopy = false;
            if (wholeSource) for (Shard o : shards.values()) o.earlierCopy = false;
            removeEarlierCopy.run();
        }
    }

    /**
     * The shard's position and guards stop being true (a new full sync is coming): they go from the target before
     * anything they cover is removed or rewritten, so a crash from here on copies the shard again rather than
     * resuming over a removed copy.
     */
    synchronized void unsettle(int index) {
        Shard s = shard(index);
        s.settled = false;
        s.written = null;
        s.guards = Map.of();
        writer.deleteCheckpoints(keys, withZero(identity.written()),
                CheckpointKeys.at(index), CheckpointKeys.guard(index));
    }

    /** What the earlier run copied of this shard was removed another way (a source's own removal before a full sync). */
    void earlierCopyRemoved(int index, boolean wholeSource) {
        shard(index).earlierCopy = false;
        if (wholeSource) for (Shard o : shards.values()) o.earlierCopy = false;
    }

    private static List<Integer> withZero(SortedSet<Integer> dbs) {
        SortedSet<Integer> all = new TreeSet<>(dbs);
        all.add(0);
        return List.copyOf(all);
    }

    /** The shard's snapshot is on the target (or it resumed): its confirmed positions are places to resume from. */
    void settled(int index) {
        shard(index).settled = true;
    }

    /**
     * Writes the shard's position now (a barrier: a FLUSHALL, SWAPDB or FUNCTION just applied must not be applied a
     * second time by a resume); waits until everything sent is answered first.
     */
    void barrier(int index) {
        if (Thread.holdsLock(this)) return; // inside together(): every shard's position is written at its end
        writer.drain();
        writePositions(index);
    }

    /**
     * Runs {@code step} holding the lock every position write takes, so the 1 s tick writes nothing while it runs
     * (nor does a shard's own {@link #barrier}); then writes every settled shard's position in one HSET per target
     * master. Where shards move past one event together (the flows of a Dragonfly FLUSHALL), a crash leaves them
     * all before it or all after it: some before and some after could never meet there again.
     */
    synchronized void together(Runnable step) {
        step.run();
        writer.drain();
        writePositions(null);
    }

    /** Writes changed positions (of {@code only}, or of every settled shard) and the identity if it changed. */
    private synchronized void writePositions(Integer only) {
        if (closed) return;
        List<byte[]> fields = new ArrayList<>();
        List<Runnable> done = new ArrayList<>();
        for (Shard s : shards.values()) {
            if (!s.settled || (only != null && only != s.index)) continue;
            Confirmation c = s.confirmation.get();
            if (c == null || c.confirmed() == null) continue;
            String text = PositionText.of(c.confirmed());
            if (text.equals(s.written)) continue;
            fields.add(CheckpointKeys.at(s.index));
            fields.add(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            done.add(() -> s.written = text);
        }
        boolean meta = writeMeta(false);
        if (prepared != null) {
            // in the same HSET as the positions: a cutover that sees a position sees every key written up to it
            long version = recent.version();
            if (version != recentWritten) {
                fields.add(CutoverSignal.RECENT);
                fields.add(CutoverSignal.recent(recent.snapshot()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                done.add(() -> recentWritten = version);
            }
        }
        if (fields.isEmpty() && !meta) {
            currentAt = System.currentTimeMillis(); // nothing new to write: what the target holds is current
            return;
        }
        if (meta) {
            fields.add(CheckpointKeys.META);
            fields.add(metaWritten.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String error = writer.writeCheckpoint(keys, fields.toArray(new byte[0][]));
        if (error != null) {
            metaWritten = null; // written again next time
            throw new IllegalStateException("the target refused the checkpoint: " + error);
        }
        for (Runnable r : done) r.run();
        lastWrittenAt = System.currentTimeMillis();
        currentAt = lastWrittenAt;
    }

    /** Target db {@code db} is about to get its first write of this run: the identity says so on the target first. */
    private synchronized void recordWritten(int db) {
        if (identity.written().contains(db)) return;
        SortedSet<Integer> written = new TreeSet<>(identity.written());
        written.add(db);
        identity = identity.withDbs(identity.owned(), written);
        String json = identity.json();
        String error = writer.writeCheckpoint(keys, CheckpointKeys.META, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (error != null) throw new dev.ferry.util.WriteFailedException("the target refused Ferry's checkpoint: " + error);
        metaWritten = json;
    }

    /** Brings the identity's written dbs up to date; with {@code now} writes it at once. Returns whether it changed. */
    private synchronized boolean writeMeta(boolean now) {
        SortedSet<Integer> written = new TreeSet<>(identity.written());
        for (int db = 0; db < 256; db++) if (writer.wroteTo(db)) written.add(db);
        identity = identity.withDbs(identity.owned(), written);
        String json = identity.json();
        if (json.equals(metaWritten)) return false;
        metaWritten = json;
        if (now) {
            String error = writer.writeCheckpoint(keys, CheckpointKeys.META, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (error != null) throw new IllegalStateException("the target refused Ferry's checkpoint: " + error);
        }
        return true;
    }

    /** Writes the final positions (the run drained first). */
    void finish() {
        timer.shutdownNow();
        try {
            writePositions(null);
        } catch (RuntimeException e) {
            log.warn("writing the last checkpoint failed ({}): a restart repeats a little more, and skips what is guarded",
                    e.getMessage());
        }
    }

    /**
     * The run is complete and leaves nothing to continue (a whole file imported): its checkpoint goes, so the target
     * holds no key of Ferry's. A later run of the same import copies the file again.
     */
    synchronized void forget() {
        timer.shutdownNow();
        closed = true;
        writer.deleteCheckpoints(keys, withZero(identity.written()));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        closed = true;
    }
}
