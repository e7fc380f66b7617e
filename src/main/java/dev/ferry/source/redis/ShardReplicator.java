package dev.ferry.source.redis;

import dev.ferry.command.Ascii;
import dev.ferry.rdb.RdbFormatException;
import dev.ferry.rdb.RdbReader;
import dev.ferry.record.Command;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSink;
import dev.ferry.source.SnapshotSink;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies what one master's link put in the spool, on its own thread: the RDB of each full sync as a snapshot
 * (a second full sync first removes what the first one copied), then the command stream — SELECT tracked,
 * MULTI/EXEC gathered into one transaction, GETACK answered — with every command's end offset as its position.
 */
final class ShardReplicator implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ShardReplicator.class);

    private final String name;
    private final Spool spool;
    private final ReplicaLink link;
    private final ShardSink sink;
    private final ShardProgress progress;
    private final boolean snapshotOnly;
    private final Thread thread;
    private final Runnable snapshotDone;
    private volatile RuntimeException failure;
    private int fullSyncs;

    ShardReplicator(String name, Spool spool, ReplicaLink link, ShardSink sink, ShardProgress progress,
                    boolean snapshotOnly, Runnable snapshotDone) {
        this.name = name;
        this.spool = spool;
        this.link = link;
        this.sink = sink;
        this.progress = progress;
        this.snapshotOnly = snapshotOnly;
        this.snapshotDone = snapshotDone;
        this.thread = new Thread(this, "apply-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    RuntimeException failure() { return failure; }

    void join(long ms) throws InterruptedException {
        thread.join(ms);
    }

    @Override
    public void run() {
        try {
            Spool.Event e = spool.take();
            while (e != null) {
                if (e instanceof Spool.FullSync f) {
                    e = fullSync(f);
                } else if (e instanceof Spool.Resumed r && fullSyncs == 0) {
                    e = resumed(r);
                } else if (e instanceof Spool.Fatal f) {
                    throw new IllegalStateException(f.message());
                } else {
                    e = spool.take(); // a lost link before any RDB: the link tries again
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException ex) {
            String m = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            failure = ex instanceof RuntimeException re ? re : new java.io.UncheckedIOException(m, (IOException) ex);
            progress.phase(ShardProgress.Phase.FAILED);
            progress.note(m);
            link.stop();
        }
    }

    /** Applies one full sync and the stream after it; returns the event that ended them (null: the spool closed). */
    private Spool.Event fullSync(Spool.FullSync f) throws IOException, InterruptedException {
        if (fullSyncs == 0 && !snapshotOnly && sink.resumeFrom() instanceof ReplicationOffset from) {
            sink.cannotResume(name + ": the master refused PSYNC " + from.replid() + " " + (from.offset() + 1)
                    + " (its backlog no longer holds that offset, or its replication history changed)");
        }
        if (fullSyncs++ > 0) {
            log.warn("{}: a new full sync; removing what the previous copy of this shard wrote before copying again", name);
            sink.removeCopiedData("the source sent a new full sync");
        }
        progress.phase(ShardProgress.Phase.SNAPSHOT);
        SpoolInput rdb = new SpoolInput(spool, null, sink::flush);
        Position syncedTo = new ReplicationOffset(f.replid(), f.offset());
        SnapshotSink snapshot = sink.snapshot(syncedTo);
        try {
            new RdbReader(rdb, snapshot, snapshot.readerOptions()).read();
            if (rdb.read() >= 0) throw RdbFormatException.of("bytes after the RDB's end in the full sync of " + name);
        } catch (RdbFormatException | EOFException ex) {
            if (rdb.marker() instanceof Spool.LinkLost) {
                log.warn("{}: the link broke during the full sync; the master will send a new one", name);
                return spool.take();
            }
            if (rdb.spoolClosed()) return null;
            throw ex;
        }
        if (rdb.spoolClosed()) return null;
        if (!(rdb.marker() instanceof Spool.RdbEnd)) {
            if (rdb.marker() instanceof Spool.LinkLost) return spool.take();
            throw new IllegalStateException(name + ": the RDB ended without its end marker: " + rdb.marker());
        }
        snapshot.loaded();
        String streamDb = snapshot.aux("repl-stream-db");
        int db = streamDb == null ? 0 : Integer.parseInt(streamDb.trim());
        // an empty snapshot still brings the shard to the full sync's offset, with the db its stream starts in
        sink.advance(new ReplicationOffset(f.replid(), f.offset(), db));
        sink.startLive();
        log.info("{}: snapshot applied ({} of the source's full sync at offset {})", name, f.replid(), f.offset());
        snapshotDone.run();
        if (snapshotOnly) return null;
        progress.phase(ShardProgress.Phase.LIVE);
        return stream(f.replid(), f.offset(), db);
    }

    /**
     * The master accepted PSYNC from the checkpoint an earlier run left on the target: the snapshot is that run's,
     * and the stream continues right after the checkpoint, in the db it had selected there.
     */
    private Spool.Event resumed(Spool.Resumed r) throws IOException {
        ReplicationOffset from = (ReplicationOffset) sink.resumeFrom();
        fullSyncs = 1; // a later full sync replaces what the earlier run copied
        sink.resumed(from);
        sink.startLive();
        snapshotDone.run();
        progress.phase(ShardProgress.Phase.LIVE);
        return stream(r.replid(), r.offset(), from.db());
    }

    private Spool.Event stream(String startReplid, long offset, int db) throws IOException {
        String[] replid = {startReplid};
        SpoolInput in = new SpoolInput(spool, new SpoolInput.ResumeListener() {
            @Override public void resumed(Spool.Resumed r) {
                // a promoted replica continues the same offsets under its own replication id
                if (r.replid() != null) replid[0] = r.replid();
                progress.phase(ShardProgress.Phase.LIVE);
            }

            @Override public void lost(Spool.LinkLost l) {
                // the link is being restored; the bytes after a partial resync continue this stream
            }
        }, sink::flush);
        StreamParser parser = new StreamParser(in);
        List<Command> tx = null;
        while (true) {
            byte[][] args;
            try {
                args = parser.next();
            } catch (EOFException partial) {
                args = null; // a full sync replaces the half-received command along with everything else
            }
            if (args == null) return in.marker();
            offset += parser.consumed();
            Position at = new ReplicationOffset(replid[0], offset, db);
            progress.commandsRead.increment();
            Command c = new Command(db, args, at); // looked up once, here, for everything downstream
            switch (c.parsed().kind()) {
                case SELECT -> {
                    db = Integer.parseInt(Ascii.text(args[1]));
                    sink.advance(new ReplicationOffset(replid[0], offset, db)); // the db is part of where the stream stands
                }
                case MULTI -> tx = new ArrayList<>(); // its position is the EXEC's: a block is applied whole or not at all
                case EXEC -> {
                    if (tx != null) sink.transaction(tx, at);
                    else sink.advance(at);
                    tx = null;
                }
                default -> {
                    if (c.parsed().is("REPLCONF")) {
                        sink.advance(at);
                        if (args.length > 1 && Ascii.is(args[1], "GETACK")) link.ack();
                    } else if (tx != null) {
                        tx.add(c);
                    } else {
                        sink.command(c);
                    }
                }
            }
        }
    }
}
