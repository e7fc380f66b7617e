package dev.ferry.rdb;

import java.io.InputStream;

/**
 * One entry that a Dragonfly master split into tagged chunks. Its pieces arrive between other items, so it
 * is parsed on a thread of its own by the ordinary entry reader, which blocks for the next chunk where the
 * current one ends. {@link #feed} hands over one chunk and waits until the parser either needs the next one
 * or has finished: the parser and the flow's reader never run at the same time, so the records come out in
 * the order the chunks arrived and the value is never held whole.
 */
final class TaggedEntry {
    private enum State { RUNNING, HUNGRY, DONE, FAILED }

    private final int lane;
    private final int db;
    private final Thread thread;
    private final Object lock = new Object();
    private final RdbInput in;
    private final EntryReader entries;
    private final int version;
    private byte[] chunk = new byte[0];
    private int chunkPos;
    private boolean closed;
    private State state = State.RUNNING;
    private RuntimeException error;
    private volatile byte[] key;

    TaggedEntry(String name, int lane, int db, int version, RdbReader.Options options, DragonflyFlowReader.Listener listener) {
        this.lane = lane;
        this.db = db;
        this.version = version;
        this.in = new RdbInput(new Feed(), options.bufferSize());
        this.entries = new EntryReader(in, listener.lane(lane), options);
        this.thread = new Thread(() -> run(listener), name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    int lane() { return lane; }

    int db() { return db; }

    /** The key, once the first chunk named it. */
    byte[] key() { return key; }

    /** Parses one chunk; returns true when the entry is complete. Throws what the parser found wrong. */
    boolean feed(byte[] payload) {
        synchronized (lock) {
            if (state == State.DONE) throw new RdbFormatException("a tagged chunk after its entry was complete");
            chunk = payload;
            chunkPos = 0;
            state = State.RUNNING;
            lock.notifyAll();
            while (state == State.RUNNING) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RdbFormatException("interrupted while parsing a tagged chunk");
                }
            }
            if (state == State.FAILED) throw error;
            if (state == State.DONE && (chunkPos < chunk.length || in.buffered() > 0)) {
                throw new RdbFormatException("tagged chunk holds " + (chunk.length - chunkPos + in.buffered())
                        + " byte(s) after the end of its entry");
            }
            return state == State.DONE;
        }
    }

    void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }

    private void run(DragonflyFlowReader.Listener listener) {
        RuntimeException failure = null;
        try {
            long expire = -1;
            int mask = 0;
            long mc = 0;
            int type;
            while (true) {
                int op = in.readU8();
                if (op == 0xFC) {
                    expire = in.readLongLE();
                } else if (op == 0xDC) {
                    mask = in.readIntLE();
                    if ((mask & 2) != 0) mc = in.readIntLE() & 0xffffffffL;
                } else {
                    type = op;
                    break;
                }
            }
            if (dev.ferry.command.ValueType.ofRdbType(type) == null) {
                throw new RdbFormatException("tagged chunk starts with unknown type " + type);
            }
            byte[] k = in.readString();
            key = k;
            if (mask != 0) listener.flags(db, k, mask, mc);
            entries.value(db, k, type, expire, version, 0);
        } catch (RuntimeException e) {
            failure = e;
        }
        synchronized (lock) {
            if (failure != null && !closed) {
                error = failure;
                state = State.FAILED;
            } else {
                state = State.DONE;
            }
            lock.notifyAll();
        }
    }

    /** The chunks, as one stream that blocks (marking the entry hungry) where the last chunk ends. */
    private final class Feed extends InputStream {
        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            synchronized (lock) {
                while (chunkPos == chunk.length && !closed) {
                    state = State.HUNGRY;
                    lock.notifyAll();
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
                if (closed) return -1;
                int n = Math.min(len, chunk.length - chunkPos);
                System.arraycopy(chunk, chunkPos, b, off, n);
                chunkPos += n;
                return n;
            }
        }
    }
}
