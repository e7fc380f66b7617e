package dev.ferry.rdb;

import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;

/**
 * Receives what {@link RdbReader} finds, in file order, on the reader's thread. A key whose serialised
 * value stays under the reader's big-value threshold arrives as one {@link KeyValue}; a bigger one as
 * {@link BigValueStart}, element batches and {@link BigValueEnd}, so it is never held whole.
 */
public interface RdbVisitor {
    default void begin(int rdbVersion) {}

    default void aux(byte[] name, byte[] value) {}

    default void selectDb(int db) {}

    default void resizeDb(long dbSize, long expiresSize) {}

    /** A function library: the code to give FUNCTION LOAD (RDB opcode 245, or 246 converted). */
    default void functionLibrary(byte[] code) {}

    /** A module's AUX data (opcode 247), kept raw; Ferry can only report it. */
    default void moduleAux(long moduleId, String moduleName, long position) {}

    void keyValue(KeyValue kv);

    void bigValueStart(BigValueStart start);

    void elements(ElementBatch batch);

    void bigValueEnd(BigValueEnd end);

    /**
     * A key that was read but not emitted: an empty collection (Redis drops these on load) or a big value
     * that turned out to hold no elements. Filtered-out keys are not reported here.
     */
    default void skipped(int db, byte[] key, String reason) {}

    /** The EOF opcode was read and, where present, the checksum verified. */
    default void end(long position) {}
}
