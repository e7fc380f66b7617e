package dev.ferry.source.scan;

import dev.ferry.record.Record;
import dev.ferry.target.TargetWriter;
import java.util.List;

/**
 * The target writer shared by every shard thread. The writer takes records from one thread at a time (it
 * keeps the big value being written as its own state), so writes are serialised here; a value read by type
 * goes in as one uninterrupted start-elements-end sequence.
 */
final class SerialWriter {
    private final TargetWriter writer;

    SerialWriter(TargetWriter writer) {
        this.writer = writer;
    }

    synchronized void write(int shard, Record r) {
        writer.write(shard, r);
    }

    synchronized void write(int shard, List<Record> records) {
        for (Record r : records) writer.write(shard, r);
    }

    /**
     * From here on the shard's records are live changes.
     * TODO(startLive): call writer.startLive(shard) once TargetWriter has it (being added on main: it drains and
     * switches the shard to one ordered connection per node). Scan mode only needs per-key order, which the
     * writer already keeps by routing each key to one connection, so nothing breaks until then.
     */
    synchronized void startLive(int shard) {
        writer.flush();
    }

    void drain() {
        writer.drain();
    }

    long committed(int shard) {
        return writer.committed(shard);
    }
}
