package dev.ferry.rdb;

import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.command.ValueType;

/**
 * Reads one key's value (after its type byte and key) and hands it to a visitor: whole, as the bytes it was
 * serialised as, or — past the big-value threshold — as element batches decoded on the way. Shared by the RDB
 * file reader and Dragonfly's replication stream, whose entries are the same RDB values.
 */
final class EntryReader {
    private final RdbInput in;
    private final RdbVisitor visitor;
    private final RdbReader.Options options;

    EntryReader(RdbInput in, RdbVisitor visitor, RdbReader.Options options) {
        this.in = in;
        this.visitor = visitor;
        this.options = options;
    }

    /** The value of {@code key}, whose type byte (and key) were just read; {@code start} is where its record began. */
    void value(int db, byte[] key, int type, long expire, int version, long start) {
        if (!options.filter().accept(db, key, type)) {
            ValueSkipper.skip(type, in);
            return;
        }
        boolean bigable = ElementDecoder.decodable(type);
        long threshold = options.bigValueThreshold();
        in.beginCapture(bigable ? threshold : Long.MAX_VALUE);
        boolean empty;
        try {
            empty = ValueSkipper.skip(type, in);
        } catch (BigValueSignal s) {
            in.rewindCapture();
            big(db, key, type, expire, start);
            return;
        }
        if (bigable && in.capturedSize() + 1 > threshold) {
            in.rewindCapture();
            big(db, key, type, expire, start);
            return;
        }
        byte[] payload = in.endCapture(type);
        if (!empty) ElementDecoder.check(payload); // written as it is (RESTORE): a damaged blob must stop here
        if (empty) {
            visitor.skipped(db, key, "empty collection (RDB type " + type + "), Redis drops it on load");
        } else {
            visitor.keyValue(new KeyValue(db, key, type, expire, payload, version, options.position(in.position())));
        }
    }

    private void big(int db, byte[] key, int type, long expire, long start) {
        final boolean[] started = {false};
        Batcher batcher = new Batcher(ValueType.ofRdbType(type), options.batchSize(), (ElementBatch batch) -> {
            if (!started[0]) {
                started[0] = true;
                visitor.bigValueStart(new BigValueStart(db, key, type, expire, options.position(start)));
            }
            visitor.elements(batch);
        });
        ElementDecoder.decode(type, in, batcher, true);
        if (started[0]) {
            visitor.bigValueEnd(new BigValueEnd(options.position(in.position())));
        } else {
            visitor.skipped(db, key, "empty collection (RDB type " + type + "), Redis drops it on load");
        }
    }
}
