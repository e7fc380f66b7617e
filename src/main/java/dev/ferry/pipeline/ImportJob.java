package dev.ferry.pipeline;

import dev.ferry.rdb.RdbFormatException;
import dev.ferry.rdb.RdbReader;
import dev.ferry.rdb.RdbVisitor;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.record.ValueType;
import dev.ferry.resp.RedisUri;
import dev.ferry.target.TargetWriter;
import dev.ferry.target.WriteListener;
import dev.ferry.target.WriterOptions;
import dev.ferry.util.KeyNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ferry import}: streams an RDB file into a target. The file is source shard 0 and its byte offset
 * the position; keys already expired are not written (a master would drop them on load too).
 */
public final class ImportJob {
    private static final Logger log = LoggerFactory.getLogger(ImportJob.class);
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

    /** Every key not written exactly: counted in the stats, and listed in the report when there is one. */
    private static WriteListener outcomes(RunStats stats, KeyReport report) {
        return new WriteListener() {
            @Override public void failed(int db, byte[] key, String reason) {
                stats.failed(db, key, reason);
                if (report != null) report.record("failed", db, key, reason);
                log.debug("key {} (db {}) not written: {}", KeyNames.quote(key), db, reason);
            }

            @Override public void skipped(int db, byte[] key, String reason) {
                stats.skipped(db, key, reason);
                if (report != null) report.record("skipped", db, key, reason);
            }

            @Override public void warned(int db, byte[] key, String message) {
                stats.warned(db, key, message);
                if (report != null) report.record("warned", db, key, message);
                log.debug("key {} (db {}): {}", KeyNames.quote(key), db, message);
            }
        };
    }

    private Result run(InputStream in, KeyReport report) throws IOException {
        Path file = settings.file();
        WriteListener listener = outcomes(stats, report);
        try (InputStream input = in; TargetWriter w = TargetWriter.open(settings.target(), settings.writer(), listener)) {
            writer = w;
            Feeder feeder = new Feeder(w, listener);
            RdbReader.Options options = new RdbReader.Options()
                    .batchSize(settings.writer().batch())
                    .bigValueThreshold(settings.bigValueThreshold())
                    .filter((db, key, rdbType) -> {
                        boolean ok = settings.filter().accept(db, key, ValueType.ofRdbType(rdbType));
                        if (!ok) stats.filtered.increment();
                        return ok;
                    });
            RdbReader r = new RdbReader(input, feeder, options);
            reader = r;
            r.read();
            w.drain();
            int functions = loadFunctions(w, feeder.functions, listener);
            w.drain();
            return new Result(stats, w.keysWritten(), r.position(), w.bytesSent(), w.committed(SHARD), functions,
                    r.rdbVersion(), w.info().describe(), w.reconnects());
        } catch (RdbFormatException e) {
            throw RdbFormatException.of(file.getFileName() + ": " + e.getMessage());
        }
    }

    private int loadFunctions(TargetWriter w, List<byte[]> libraries, WriteListener outcomes) {
        int loaded = 0;
        for (byte[] code : libraries) {
            String text = new String(code, StandardCharsets.UTF_8);
            String error = settings.writer().replace()
                    ? w.onEveryMaster("FUNCTION", "LOAD", "REPLACE", text)
                    : w.onEveryMaster("FUNCTION", "LOAD", text);
            String name = libraryName(text);
            if (error == null) {
                loaded++;
            } else if (error.contains("already exists")) {
                outcomes.skipped(0, name.getBytes(StandardCharsets.UTF_8), "function library exists on the target (--no-replace)");
            } else {
                outcomes.failed(0, name.getBytes(StandardCharsets.UTF_8), "FUNCTION LOAD failed: " + error);
                log.debug("function library {} not loaded: {}", name, error);
            }
        }
        return loaded;
    }

    private static String libraryName(String code) {
        int i = code.indexOf("name=");
        if (i < 0) return "function library";
        int end = i + 5;
        while (end < code.length() && !Character.isWhitespace(code.charAt(end))) end++;
        return "library " + code.substring(i + 5, end);
    }

    /** Hands the reader's records to the writer, applying expiry and the db map. */
    private final class Feeder implements RdbVisitor {
        private final TargetWriter w;
        private final WriteListener outcomes;
        private final long now = System.currentTimeMillis();
        final List<byte[]> functions = new ArrayList<>();
        private boolean skippingBig;

        Feeder(TargetWriter w, WriteListener outcomes) {
            this.w = w;
            this.outcomes = outcomes;
        }

        @Override
        public void keyValue(KeyValue kv) {
            stats.keysRead.increment();
            if (expired(kv.expireAtMs())) {
                outcomes.skipped(kv.db(), kv.key(), "already expired");
                return;
            }
            int db = settings.filter().mapDb(kv.db());
            if (db != kv.db()) {
                kv = new KeyValue(db, kv.key(), kv.rdbType(), kv.expireAtMs(), kv.payload(), kv.rdbVersion(), kv.position());
            }
            w.write(SHARD, kv);
        }

        @Override
        public void bigValueStart(BigValueStart start) {
            stats.keysRead.increment();
            skippingBig = expired(start.expireAtMs());
            if (skippingBig) {
                outcomes.skipped(start.db(), start.key(), "already expired");
                return;
            }
            int db = settings.filter().mapDb(start.db());
            if (db != start.db()) start = new BigValueStart(db, start.key(), start.rdbType(), start.expireAtMs(), start.position());
            w.write(SHARD, start);
        }

        @Override
        public void elements(ElementBatch batch) {
            if (!skippingBig) w.write(SHARD, batch);
        }

        @Override
        public void bigValueEnd(BigValueEnd end) {
            if (!skippingBig) w.write(SHARD, end);
            skippingBig = false;
        }

        @Override
        public void functionLibrary(byte[] code) {
            functions.add(code);
        }

        @Override
        public void moduleAux(long moduleId, String moduleName, long position) {
            outcomes.warned(0, ("module " + moduleName).getBytes(StandardCharsets.UTF_8),
                    "module AUX data at offset " + position + " is not copied (no command writes it)");
        }

        @Override
        public void skipped(int db, byte[] key, String reason) {
            stats.keysRead.increment();
            outcomes.skipped(db, key, reason);
        }

        private boolean expired(long expireAtMs) {
            return expireAtMs > 0 && expireAtMs <= now;
        }
    }
}
