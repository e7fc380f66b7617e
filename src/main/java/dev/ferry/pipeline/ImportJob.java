package dev.ferry.pipeline;

import dev.ferry.rdb.RdbFormatException;
import dev.ferry.rdb.RdbReader;
import dev.ferry.rdb.RdbVisitor;
import dev.ferry.record.FileOffset;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.resp.RedisUri;
import dev.ferry.source.KeyScope;
import dev.ferry.source.SnapshotSink;
import dev.ferry.util.WriteFailedException;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.writer.WriterOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code ferry import}: streams an RDB file into a target. The file is source shard 0 and its byte offset
 * the position; keys already expired are not written (a master would drop them on load too).
 */
public final class ImportJob {
    private static final ShardId SHARD = ShardId.of(0);
    /** How long a failed run waits for the answers to what it had sent, before counting. */
    private static final long SETTLE_MS = 5_000;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ImportJob.class);

    /**
     * {@code report} is where every key not written exactly goes, one JSON line each, or null. {@code resumeFrom} is
     * a file offset an earlier run confirmed, to continue from when the shard's sink names none
     * ({@link dev.ferry.source.ShardSink#resumeFrom()}, the checkpoint on the target), or -1: read from the start.
     */
    public record Settings(Path file, RedisUri target, KeyFilter filter, WriterOptions writer, long bigValueThreshold,
                           Path report, long resumeFrom) {
        public Settings(Path file, RedisUri target, KeyFilter filter, WriterOptions writer, long bigValueThreshold,
                        Path report) {
            this(file, target, filter, writer, bigValueThreshold, report, -1);
        }

        /** These settings, continuing from {@code offset} (a key boundary an earlier run confirmed). */
        public Settings withResumeFrom(long offset) {
            return new Settings(file, target, filter, writer, bigValueThreshold, report, offset);
        }
    }

    /**
     * How a run ended: the whole file, a stop asked for (Ctrl-C), a damaged file after some keys were sent, or a
     * target that cannot go on (restarted, full, turned replica, a refused key under --on-error fail).
     */
    public enum Ending {
        COMPLETE, STOPPED, CORRUPT,
        /** Read to its end, but the file's checksum does not match: some value written may be damaged. */
        CHECKSUM_MISMATCH,
        TARGET_FAILED
    }

    /**
     * What the run did, for the summary and the exit code. {@code problem} is the one-line reason of a
     * {@link Ending#CORRUPT}, {@link Ending#CHECKSUM_MISMATCH} or {@link Ending#TARGET_FAILED} ending, else null.
     * {@code resumedAt} is the offset this run continued from (the keys before it were neither sent nor counted),
     * or -1; {@code resumeNote} says in one line that it resumed, or why it could not and read from the start, or
     * is null when there was nothing to resume from.
     */
    public record Result(RunStats stats, long keysWritten, long bytesRead, long bytesSent, long committedPosition,
                         int functionsLoaded, int rdbVersion, String target, long reconnects, Ending ending,
                         String problem, long resumedAt, String resumeNote) {
    }

    private final Settings settings;
    private final RunStats stats = new RunStats();
    private volatile RdbReader reader;
    private volatile TargetWriter writer;
    private final long fileSize;
    private volatile boolean stopRequested;
    /** The offset this run continues from once the reader reached it, or -1. */
    private volatile long resumedAt = -1;
    private volatile String resumeNote;
    private ReplicateJob.CheckpointSettings checkpointing;
    private java.util.function.Consumer<String> notices = m -> log.warn(m);
    /** The run's checkpoints on the target, while it runs with them. */
    private volatile Checkpoints checkpoints;

    public ImportJob(Settings settings) {
        this.settings = settings;
        long size;
        try {
            size = Files.size(settings.file());
        } catch (IOException e) {
            size = -1;
        }
        this.fileSize = size;
    }

    /**
     * Keeps a checkpoint on the target (the confirmed file offset, under the file's {@link FileIdentity}): a later
     * run of the same file, target and filters continues from it. Null: none.
     */
    public ImportJob checkpoints(ReplicateJob.CheckpointSettings checkpointing) {
        this.checkpointing = checkpointing;
        return this;
    }

    /** Where the lines an operator must see at the start go: resuming, cannot resume, --fresh. */
    public ImportJob notices(java.util.function.Consumer<String> notices) {
        this.notices = notices;
        return this;
    }

    /** Whether this run keeps a checkpoint on the target (a stopped run can be continued). */
    public boolean checkpointed() {
        return checkpointing != null;
    }

    public RunStats stats() {
        return stats;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Bytes of the file read so far. */
    public long bytesRead() {
        RdbReader r = reader;
        return r == null ? 0 : r.position();
    }

    /** The file offset up to which the target confirmed every write (an earlier run's, when resumed), or -1. */
    public long confirmedOffset() {
        TargetWriter w = writer;
        return confirmed(w == null ? -1 : offset(w.confirmed(SHARD)));
    }

    /** What this run confirmed, else the offset it resumed from: an earlier run confirmed everything before it. */
    private long confirmed(long thisRun) {
        return thisRun >= 0 ? thisRun : resumedAt;
    }

    public long keysWritten() {
        TargetWriter w = writer;
        return w == null ? 0 : w.keysWritten();
    }

    /** The writer's totals, nodes and errors now, or null before the target is open. */
    public dev.ferry.writer.WriterLoad writerLoad() {
        TargetWriter w = writer;
        return w == null ? null : w.load();
    }

    /** When the target last took this run's checkpoint (epoch ms), or -1. */
    public long checkpointWrittenAt() {
        Checkpoints c = checkpoints;
        return c == null ? -1 : c.lastWrittenAt();
    }

    /** When the target's checkpoint was last known current (written, or nothing new to write; epoch ms), or -1. */
    public long checkpointCurrentAt() {
        Checkpoints c = checkpoints;
        return c == null ? -1 : c.currentAt();
    }

    /** The checkpoint's key prefix on the target, or null when the import keeps none. */
    public String checkpointPrefix() {
        return checkpointing == null ? null : checkpointing.prefix();
    }

    /** Whether a stop was asked for. */
    public boolean stopping() {
        return stopRequested;
    }

    /** Asks a running import to stop: the key being read is the last one sent; what was sent is confirmed first. */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * {@code --check-first}: reads the whole file once, writing nothing, so a damaged file (its CRC-64, a value
     * that fails its structural checks, a truncation) is refused before the target is touched.
     *
     * @throws RdbFormatException naming the file and where it is damaged
     * @return a note when the file carries no checksum to verify (RDB version below 5, or saved without one), else null
     */
    public String checkFile() throws IOException {
        Path file = settings.file();
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not an RDB file");
        long stored;
        try (InputStream in = open(file)) {
            RdbVisitor none = new RdbVisitor() {
                @Override public void keyValue(dev.ferry.record.KeyValue kv) { }
                @Override public void bigValueStart(dev.ferry.record.BigValueStart start) { }
                @Override public void elements(dev.ferry.record.ElementBatch batch) { }
                @Override public void bigValueEnd(dev.ferry.record.BigValueEnd end) { }
            };
            RdbReader r = new RdbReader(in, none, new RdbReader.Options().bigValueThreshold(settings.bigValueThreshold()));
            reader = r;
            r.read();
            stored = r.rdbVersion() < 5 ? 0 : r.storedChecksum();
        } catch (RdbFormatException e) {
            throw RdbFormatException.of(file.getFileName() + ": " + e.getMessage());
        } finally {
            reader = null;
        }
        if (stored == 0) {
            return file.getFileName() + " carries no checksum (RDB version below 5, or saved with rdbchecksum no): only its structure was checked";
        }
        return null;
    }

    private static InputStream open(Path file) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": no such file");
        }
    }

    public Result run() throws IOException {
        Path file = settings.file();
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not an RDB file");
        KeyReport report = settings.report() == null ? null : KeyReport.open(settings.report());
        try {
            for (int restarts = 0; ; restarts++) {
                Result r = run(open(file), report);
                String failedOver = lastFailover;
                if (r.ending() != Ending.TARGET_FAILED || failedOver == null || stopRequested || restarts >= FAILOVER_RESTARTS) {
                    return r;
                }
                // what the old master confirmed and the new one lacks is after the new master's checkpoint
                notices.accept("target failover: " + failedOver + "; continuing from the checkpoint the new master holds");
                if (checkpointing != null && checkpointing.fresh()) {
                    checkpointing = new ReplicateJob.CheckpointSettings(checkpointing.prefix(), false);
                }
            }
        } finally {
            if (report != null) report.close();
        }
    }

    /** How many target failovers one import continues through (each a new read from the new master's checkpoint). */
    private static final int FAILOVER_RESTARTS = 5;
    /** Why the last attempt stopped for a target failover (checkpoints on), or null. */
    private volatile String lastFailover;

    private Result run(InputStream in, KeyReport report) throws IOException {
        WriteListener listener = Outcomes.of(stats, report);
        lastFailover = null;
        try (InputStream input = in; TargetWriter w = TargetWriter.open(settings.target(), settings.writer(), listener)) {
            writer = w;
            try {
                return runWith(input, w, listener);
            } finally {
                lastFailover = w.failedOver();
            }
        }
    }

    private Result runWith(InputStream input, TargetWriter w, WriteListener listener) throws IOException {
        Checkpoints opened = null;
        if (checkpointing != null) {
            // the file's identity stands for the source: a checkpoint's offset means nothing in another file
            dev.ferry.checkpoint.RunIdentity now = new dev.ferry.checkpoint.RunIdentity("import",
                    FileIdentity.of(settings.file()).toString(), settings.target().redacted(),
                    settings.filter().identity(), null, null);
            opened = Checkpoints.open(w, new dev.ferry.checkpoint.CheckpointKeys(checkpointing.prefix()), now,
                    checkpointing.fresh(), null, false, notices);
        }
        try (Checkpoints closing = opened) {
            checkpoints = opened;
            Pipelines sinks = new Pipelines(w, settings.filter(), RateLimiter.NONE, stats, listener, settings.writer().batch(),
                    settings.bigValueThreshold(), settings.writer().replace(), false, null, () -> stopRequested);
            if (opened != null) sinks.checkpoints(opened, notices);
            // the file is the run's one source shard, and its byte offsets the positions
            ShardPipeline pipeline = sinks.pipeline(SHARD.shard(), settings.file().getFileName().toString(), KeyScope.ALL, 16);
            if (opened != null) {
                // unlike a replica's snapshot, every confirmed offset of a file is a key boundary to resume from
                opened.settled(SHARD.shard());
                opened.start();
            }
            SnapshotFeeder feeder = pipeline.feeder(null);
            RdbReader r = new RdbReader(input, feeder, feeder.readerOptions());
            reader = r;
            try {
                return read(w, r, resumePoint(pipeline), pipeline, feeder);
            } catch (WriteFailedException e) {
                // the writer cannot drain any more, but what it sent before the failure is still answered (written
                // or refused): wait for those answers, so the summary's count is what the target holds
                if (!w.settle(SETTLE_MS)) log.warn("the target did not answer every write within {} s of the failure: "
                        + "the counts may fall short of what it holds", SETTLE_MS / 1000);
                finishCheckpoints();
                return result(w, reader, offset(w.confirmed(SHARD)), 0, Ending.TARGET_FAILED, e.getMessage());
            }
        } finally {
            checkpoints = null;
        }
    }

    /** Writes the last confirmed offset to the checkpoint (the run drained first). */
    private void finishCheckpoints() {
        if (checkpoints != null) checkpoints.finish();
    }

    /**
     * Where to continue: the checkpoint the file shard's sink names, else {@link Settings#resumeFrom}; -1 to read
     * from the start (nothing to continue from, or a checkpoint that is not a file offset).
     */
    private long resumePoint(ShardPipeline pipeline) {
        Position p = pipeline.resumeFrom();
        if (p == null && settings.resumeFrom() >= 0) p = new FileOffset(settings.resumeFrom());
        if (p == null) return -1;
        if (p instanceof FileOffset f) return f.offset();
        cannotResume(pipeline, "the checkpoint holds " + p.describe() + ", not a file offset");
        return -1;
    }

    /**
     * Reads the file with {@code first}, from {@code from} when that is not -1. An offset that is not a key boundary
     * of the file is refused before the feeder heard anything, so the file is then read again from the start.
     */
    private Result read(TargetWriter w, RdbReader first, long from, ShardPipeline pipeline, SnapshotFeeder feeder)
            throws IOException {
        Path file = settings.file();
        RdbReader r = first;
        InputStream again = null;
        try {
            if (from < 0) {
                r.read();
            } else if (!resume(r, from, pipeline)) {
                again = open(file);
                r = new RdbReader(again, feeder, feeder.readerOptions());
                reader = r;
                r.read();
            }
        } catch (SnapshotSink.Stopped stopped) {
            return partial(w, r, Ending.STOPPED, null);
        } catch (RdbFormatException e) {
            String problem = file.getFileName() + ": " + e.getMessage();
            // nothing sent yet (a bad header, a first key already damaged): the one error line says it all
            if (stats.keysRead.sum() == 0 && w.bytesSent() == 0) throw RdbFormatException.of(problem);
            return partial(w, r, e instanceof RdbFormatException.ChecksumMismatch ? Ending.CHECKSUM_MISMATCH : Ending.CORRUPT,
                    problem);
        } finally {
            if (again != null) again.close();
        }
        w.drain();
        int functions = feeder.loadFunctions();
        w.drain();
        String failover = checkpoints == null ? null : w.confirmMasters();
        if (failover != null) {
            // the old master took the last writes after its replica was promoted: they are gone with it
            return result(w, r, offset(w.confirmed(SHARD)), functions, Ending.TARGET_FAILED, failover);
        }
        if (checkpoints != null && stats.failedCount() == 0) {
            checkpoints.forget(); // the whole file is on the target: nothing to continue
        } else {
            finishCheckpoints(); // a re-run continues before the first refused key
        }
        long confirmed = offset(w.confirmed(SHARD));
        if (confirmed < 0 && stats.failedCount() == 0) {
            // no key needed writing (a file of function libraries, or of expired or filtered keys, or resumed at
            // its end): with the libraries loaded, everything the file asks for is on the target, to its end
            confirmed = r.position();
        }
        return result(w, r, confirmed, functions, Ending.COMPLETE, null);
    }

    /**
     * Reads from {@code from}, the keys before it skipped unread by the feeder; false when {@code from} is not a
     * key boundary of the file (the feeder was told nothing, the reader is spent).
     */
    private boolean resume(RdbReader r, long from, ShardPipeline pipeline) {
        String name = settings.file().getFileName().toString();
        try {
            r.readFrom(from, () -> {
                resumedAt = from;
                resumeNote = String.format(Locale.ROOT, "resuming at offset %,d of %s", from, name);
                // with checkpoints the sink says so (and takes the checkpoint on); else the note is the job's own
                if (checkpoints != null) pipeline.resumed(new FileOffset(from));
                else notices.accept(resumeNote);
            });
            return true;
        } catch (RdbFormatException.NotAKeyBoundary e) {
            cannotResume(pipeline, String.format(Locale.ROOT, "offset %,d is not a key boundary of %s", from, name));
            log.debug("resume refused: {}", e.getMessage());
            return false;
        }
    }

    private void cannotResume(ShardPipeline pipeline, String why) {
        resumeNote = "cannot resume: " + why + "; importing from the start";
        if (checkpoints != null) pipeline.cannotResume(why);
        else notices.accept(resumeNote);
    }

    /**
     * A run that ends before the file's end: what was sent is confirmed (drained) first, so the summary's
     * confirmed offset and key count are what the target holds. Function libraries are not loaded.
     */
    private Result partial(TargetWriter w, RdbReader r, Ending ending, String problem) {
        w.drain();
        finishCheckpoints();
        return result(w, r, offset(w.confirmed(SHARD)), 0, ending, problem);
    }

    private Result result(TargetWriter w, RdbReader r, long confirmed, int functions, Ending ending, String problem) {
        return new Result(stats, w.keysWritten(), r.position(), w.bytesSent(), confirmed(confirmed), functions,
                r.rdbVersion(), w.info().describe(), w.reconnects(), ending, problem, resumedAt, resumeNote);
    }

    /** A confirmed file position as its offset, or -1 for none. */
    private static long offset(Position p) {
        return p == null ? -1 : ((FileOffset) p).offset();
    }
}
