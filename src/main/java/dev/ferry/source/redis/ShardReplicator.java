package dev.ferry.source.redis;

import dev.ferry.pipeline.LiveApplier;
import dev.ferry.pipeline.SnapshotFeeder;
import dev.ferry.rdb.RdbFormatException;
import dev.ferry.rdb.RdbReader;
import dev.ferry.record.Command;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ShardId;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.SnapshotHandling;
import dev.ferry.writer.TargetWriter;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    private final ShardId shard;
    private final String name;
    private final Spool spool;
    private final ReplicaLink link;
    private final TargetWriter writer;
    private final LiveApplier applier;
    private final SnapshotHandling snapshots;
    private final ShardProgress progress;
    private final boolean snapshotOnly;
    private final Thread thread;
    private final Runnable snapshotDone;
    private volatile String failure;
    private int fullSyncs;

    ShardReplicator(int shard, String name, Spool spool, ReplicaLink link, TargetWriter writer, LiveApplier applier,
                    SnapshotHandling snapshots, ShardProgress progress, boolean snapshotOnly, Runnable snapshotDone) {
        this.shard = ShardId.of(shard);
        this.name = name;
        this.spool = spool;
        this.link = link;
        this.writer = writer;
        this.applier = applier;
        this.snapshots = snapshots;
        this.progress = progress;
        this.snapshotOnly = snapshotOnly;
        this.snapshotDone = snapshotDone;
        this.thread = new Thread(this, "apply-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String failure() { return failure; }

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
            failure = m;
            progress.phase(ShardProgress.Phase.FAILED);
            progress.note(m);
            link.stop();
        }
    }

    /** Applies one full sync and the stream after it; returns the event that ended them (null: the spool closed). */
    private Spool.Event fullSync(Spool.FullSync f) throws IOException, InterruptedException {
        if (fullSyncs++ > 0) {
            log.warn("{}: a new full sync; removing what the previous copy of this shard wrote before copying again", name);
            writer.drain();
            applier.removeShardData(null, "the source sent a new full sync");
        }
        progress.phase(ShardProgress.Phase.SNAPSHOT);
        SpoolInput rdb = new SpoolInput(spool, null, writer::flush);
        SnapshotFeeder feeder = snapshots.feeder(shard, new ReplicationOffset(f.replid(), f.offset()));
        try {
            new RdbReader(rdb, feeder, snapshots.options(feeder)).read();
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
        snapshots.loaded(shard.shard(), feeder);
        writer.advance(shard, new ReplicationOffset(f.replid(), f.offset())); // an empty snapshot still brings the shard to the full sync's offset
        writer.startLive(shard);
        String streamDb = feeder.aux("repl-stream-db");
        int db = streamDb == null ? 0 : Integer.parseInt(streamDb.trim());
        log.info("{}: snapshot applied ({} of the source's full sync at offset {})", name, f.replid(), f.offset());
        snapshotDone.run();
        if (snapshotOnly) return null;
        progress.phase(ShardProgress.Phase.LIVE);
        return stream(f.replid(), f.offset(), db);
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
        }, writer::flush);
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
            Position at = new ReplicationOffset(replid[0], offset);
            progress.commandsRead.increment();
            String cmd = name(args[0]);
            switch (cmd) {
                case "select" -> {
                    db = Integer.parseInt(new String(args[1], StandardCharsets.US_ASCII));
                    writer.advance(shard, at);
                }
                case "multi" -> tx = new ArrayList<>(); // its position is the EXEC's: a block is applied whole or not at all
                case "exec" -> {
                    if (tx != null) applier.transaction(tx, at);
                    else writer.advance(shard, at);
                    tx = null;
                }
                case "replconf" -> {
                    writer.advance(shard, at);
                    if (args.length > 1 && name(args[1]).equals("getack")) link.ack();
                }
                default -> {
                    if (tx != null) tx.add(new Command(db, args, at));
                    else applier.command(db, args, at);
                }
            }
        }
    }

    private static String name(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
    }
}
