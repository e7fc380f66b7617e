package dev.ferry.pipeline;

import dev.ferry.rdb.RdbFormatException;
import dev.ferry.rdb.RdbReader;
import dev.ferry.resp.RedisUri;
import dev.ferry.target.TargetWriter;
import dev.ferry.target.WriteListener;
import dev.ferry.target.WriterOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@code ferry import}: streams an RDB file into a target. The file is source shard 0 and its byte offset
 * the position; keys already expired are not written (a master would drop them on load too).
 */
public final class ImportJob {
    private static final int SHARD = 0;

    /** {@code report} is where every key not written exactly goes, one JSON line each, or null. */
    public record Settings(Path file, RedisUri target, KeyFilter filter, WriterOptions writer, long bigValueThreshold,
                           Path report) {
    }

    /** What the run did, for the summary and the exit code. */
    public record Result(RunStats stats, long keysWritten, long bytesRead, long bytesSent, long committedPosition,
                         int functionsLoaded, int rdbVersion, String target, long reconnects) {
    }

    private final Settings settings;
    private final RunStats stats = new RunStats();
    private volatile RdbReader reader;
    private volatile TargetWriter writer;
    private final long fileSize;

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

    public long keysWritten() {
        TargetWriter w = writer;
        return w == null ? 0 : w.keysWritten();
    }

    public Result run() throws IOException {
        Path file = settings.file();
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not an RDB file");
        KeyReport report = settings.report() == null ? null : KeyReport.open(settings.report());
        try {
            InputStream in;
            try {
                in = Files.newInputStream(file);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(file + ": no such file");
            }
            return run(in, report);
        } finally {
            if (report != null) report.close();
        }
    }

    private Result run(InputStream in, KeyReport report) throws IOException {
        Path file = settings.file();
        WriteListener listener = Outcomes.of(stats, report);
        try (InputStream input = in; TargetWriter w = TargetWriter.open(settings.target(), settings.writer(), listener)) {
            writer = w;
            SnapshotFeeder feeder = new SnapshotFeeder(w, SHARD, settings.filter(), stats, listener, RateLimiter.NONE, -1);
            RdbReader r = new RdbReader(input, feeder, feeder.readerOptions(settings.writer().batch(), settings.bigValueThreshold()));
            reader = r;
            r.read();
            w.drain();
            int functions = FunctionLoader.load(w, feeder.functions(), settings.writer().replace(), listener);
            w.drain();
            long confirmed = w.confirmed(SHARD);
            if (confirmed < 0 && stats.failedCount() == 0) {
                // no key needed writing (a file of function libraries, or of expired or filtered keys): with the
                // libraries loaded, everything the file asks for is on the target, to its end
                confirmed = r.position();
            }
            return new Result(stats, w.keysWritten(), r.position(), w.bytesSent(), confirmed, functions,
                    r.rdbVersion(), w.info().describe(), w.reconnects());
        } catch (RdbFormatException e) {
            throw RdbFormatException.of(file.getFileName() + ": " + e.getMessage());
        }
    }
}
