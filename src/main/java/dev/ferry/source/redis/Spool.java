package dev.ferry.source.redis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the link read from a master, kept in order until the applier takes it. The link never waits for the
 * target: bytes go to memory up to {@code memoryLimit}, then to a spill file up to {@code diskLimit}. Only
 * past both does the link stop reading, and then the master will drop us once its output buffer for
 * replicas fills (client-output-buffer-limit replica) — which the log says before it happens.
 */
final class Spool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);

    sealed interface Event permits FullSync, RdbEnd, Resumed, LinkLost, Fatal, Data {
    }

    /** A full sync begins; an RDB of {@code size} bytes (-1: diskless, unknown) follows as Data. */
    record FullSync(String replid, long offset, long size) implements Event {
    }

    /** The RDB of the last FullSync is complete; command stream bytes follow. */
    record RdbEnd() implements Event {
    }

    /** The link was restored with a partial resync: stream bytes continue where they stopped. */
    record Resumed(String replid, long offset, boolean newHistory) implements Event {
    }

    /** The link broke; inside an RDB this means the RDB is incomplete and a new FullSync will come. */
    record LinkLost(String why) implements Event {
    }

    /** The link gave up for a reason retrying cannot fix (refused AUTH, no PSYNC permission...). */
    record Fatal(String message) implements Event {
    }

    /** Raw bytes, in memory ({@code bytes}) or in the spill file at {@code filePos}. */
    static final class Data implements Event {
        final byte[] bytes;
        final long filePos;
        final int length;

        Data(byte[] bytes, long filePos, int length) {
            this.bytes = bytes;
            this.filePos = filePos;
            this.length = length;
        }
    }

    private final ArrayDeque<Event> queue = new ArrayDeque<>();
    private final long memoryLimit;
    private final long diskLimit;
    private final Path dir;
    private final String name;
    private long memoryBytes;
    private long diskBytes;
    private long peakDiskBytes;
    private FileChannel file;
    private Path filePath;
    private long fileEnd;
    private boolean closed;
    private boolean ended;
    private boolean warnedFull;

    Spool(String name, long memoryLimit, long diskLimit, Path dir) {
        this.name = name;
        this.memoryLimit = memoryLimit;
        this.diskLimit = diskLimit;
        this.dir = dir;
    }

    synchronized void put(Event e) {
        queue.add(e);
        notifyAll();
    }

    /** Copies {@code len} bytes in; waits only when memory and disk are both full. */
    void putData(byte[] src, int off, int len) throws IOException, InterruptedException {
        synchronized (this) {
            if (memoryBytes + len <= memoryLimit && diskBytes == 0) {
                byte[] copy = new byte[len];
                System.arraycopy(src, off, copy, 0, len);
                memoryBytes += len;
                put(new Data(copy, -1, len));
                return;
            }
            while (diskBytes + len > diskLimit && !closed) {
                if (!warnedFull) {
                    warnedFull = true;
                    log.warn("{}: the spool is full ({} MB in memory, {} MB on disk) because the target is slower than "
                            + "the source; reading paused, and the master will drop this replica when its "
                            + "client-output-buffer-limit for replicas is reached: raise --spool-limit or slow the writes",
                            name, memoryBytes >> 20, diskBytes >> 20);
                }
                wait(100);
            }
            if (closed) return;
            warnedFull = false;
            if (file == null) openFile();
            long at = fileEnd;
            file.write(ByteBuffer.wrap(src, off, len), at);
            fileEnd += len;
            diskBytes += len;
            peakDiskBytes = Math.max(peakDiskBytes, diskBytes);
            put(new Data(null, at, len));
        }
    }

    private void openFile() throws IOException {
        Files.createDirectories(dir);
        filePath = Files.createTempFile(dir, "ferry-spool-", ".bin");
        file = FileChannel.open(filePath, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
        log.info("{}: the target is behind; spooling the source's bytes to {}", name, filePath);
    }

    /** True when an event is waiting to be taken. */
    synchronized boolean ready() {
        return !queue.isEmpty() || closed || ended;
    }

    /** The next event, waiting for one; null once closed. */
    synchronized Event take() throws InterruptedException {
        while (queue.isEmpty()) {
            if (closed || ended) return null;
            wait();
        }
        Event e = queue.poll();
        if (e instanceof Data d) {
            if (d.bytes != null) {
                memoryBytes -= d.length;
            } else {
                diskBytes -= d.length;
                if (diskBytes == 0) fileEnd = 0; // everything spilled was read: reuse the file from its start
            }
            notifyAll();
        }
        return e;
    }

    /** The bytes of a Data event (read back from the spill file when they were spilled). */
    byte[] bytes(Data d) throws IOException {
        if (d.bytes != null) return d.bytes;
        byte[] out = new byte[d.length];
        ByteBuffer bb = ByteBuffer.wrap(out);
        long at = d.filePos;
        while (bb.hasRemaining()) {
            int n = file.read(bb, at);
            if (n < 0) throw new IOException("spool file " + filePath + " ended early");
            at += n;
        }
        return out;
    }

    synchronized long peakDiskBytes() { return peakDiskBytes; }

    /** No more events will come: once the queue is empty, {@link #take} returns null. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // the file is deleted on close; nothing else to do
            }
        }
    }
}
