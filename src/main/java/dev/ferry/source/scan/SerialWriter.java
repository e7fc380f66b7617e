package dev.ferry.source.scan;

import dev.ferry.record.Position;
import dev.ferry.record.Record;
import dev.ferry.record.ShardId;
import dev.ferry.writer.TargetWriter;
import java.util.List;

/**
 * The target writer shared by every shard thread. Writes are serialised here so a value read by type goes in
 * as one uninterrupted start-elements-end sequence; scan mode is bound by the source's reads, not by this lock.
 */
final class SerialWriter {
    private final TargetWriter writer;

    SerialWriter(TargetWriter writer) {
        this.writer = writer;
    }

    synchronized void write(int shard, Record r) {
        writer.write(ShardId.of(shard), r);
    }

    synchronized void write(int shard, List<Record> records) {
        for (Record r : records) writer.write(ShardId.of(shard), r);
    }

    /**
     * From here on the shard's records are live changes: the writer sends them through one ordered connection
     * per node, so a key's re-read value and its later DEL cannot overtake each other.
     */
    synchronized void startLive(int shard) {
        writer.startLive(ShardId.of(shard));
    }

    void drain() {
        writer.drain();
    }

    /** Sends what is buffered for every node now, without waiting for replies. */
    synchronized void flush() {
        writer.flush();
    }

    Position committed(int shard) {
        return writer.committed(ShardId.of(shard));
    }
}
