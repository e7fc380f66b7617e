package dev.ferry.source.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * The Data events of a spool as one stream, up to the next marker, which it keeps for the caller
 * ({@link #marker()}). In stream mode a restored link ({@code Resumed}, {@code LinkLost}) is not an end: the
 * bytes after a partial resync continue the same command stream.
 */
final class SpoolInput extends InputStream {
    interface ResumeListener {
        void resumed(Spool.Resumed r);

        void lost(Spool.LinkLost l);
    }

    private final Spool spool;
    private final ResumeListener acrossResumes;
    private final Runnable beforeWaiting;
    private byte[] chunk = new byte[0];
    private int pos;
    private Spool.Event marker;
    private boolean closedSpool;

    /**
     * {@code acrossResumes} null: stop at any marker (an RDB); else read across link restorations.
     * {@code beforeWaiting} runs when the spool is empty, before waiting for more: what the applier has
     * buffered for the target must go out now, not when the next burst fills the buffer.
     */
    SpoolInput(Spool spool, ResumeListener acrossResumes, Runnable beforeWaiting) {
        this.spool = spool;
        this.acrossResumes = acrossResumes;
        this.beforeWaiting = beforeWaiting;
    }

    /** The marker that ended the stream, or null (not ended, or the spool was closed). */
    Spool.Event marker() {
        return marker;
    }

    boolean spoolClosed() {
        return closedSpool;
    }

    private boolean fill() throws IOException {
        if (marker != null || closedSpool) return false;
        while (pos == chunk.length) {
            Spool.Event e;
            try {
                if (!spool.ready()) beforeWaiting.run();
                e = spool.take();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            if (e == null) {
                closedSpool = true;
                return false;
            }
            if (e instanceof Spool.Data d) {
                chunk = spool.bytes(d);
                pos = 0;
            } else if (acrossResumes != null && e instanceof Spool.Resumed r) {
                acrossResumes.resumed(r);
            } else if (acrossResumes != null && e instanceof Spool.LinkLost l) {
                acrossResumes.lost(l);
            } else {
                marker = e;
                return false;
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        if (pos == chunk.length && !fill()) return -1;
        return chunk[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (pos == chunk.length && !fill()) return -1;
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }
}
