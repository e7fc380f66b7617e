package dev.ferry.source;

import dev.ferry.rdb.RdbReader;
import dev.ferry.rdb.RdbVisitor;

/**
 * One snapshot of one source shard: an {@link RdbVisitor} an RDB reader (or a scan) feeds key by key. It skips
 * keys already expired, keeps the filters, the db map and the rate limit, and collects function libraries to
 * load once the keys are in ({@link #loaded}).
 */
public interface SnapshotSink extends RdbVisitor {
    /** Reader options that apply the filters before a value is even read, with the positions records claim. */
    RdbReader.Options readerOptions();

    /**
     * The sink for lane {@code lane} of this snapshot: a stream of records that arrives interleaved with the
     * shard's own (Dragonfly's tagged entries), written apart so that one lane's big value does not wait on
     * another's. Lane 0 is this sink itself.
     */
    SnapshotSink lane(int lane);

    /** Whether the filters keep a value of this type: a scan asks once it read the value. */
    boolean wants(int db, byte[] key, dev.ferry.command.ValueType type);

    /** Every key of the snapshot was handed on: load what comes after them (function libraries). */
    void loaded();

    /** The AUX field {@code name} of the RDB, or null. */
    String aux(String name);

    /**
     * Thrown out of a snapshot when a stop was asked for: between two keys, so no key is left half written, and
     * before the next one is sent.
     */
    final class Stopped extends RuntimeException {
        public static final String MESSAGE = "stopped before the snapshot was complete";
        private static final long serialVersionUID = 1L;

        public Stopped() {
            super(MESSAGE, null, false, false);
        }
    }
}
