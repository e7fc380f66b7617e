package dev.ferry.record;

/**
 * What a source reader hands to the writer. Every record carries the source position right after it ({@link
 * Position}), so the writer can say which prefix of the source has been applied on the target; a record that is
 * only a part of a value ({@link ElementBatch}) carries none (null).
 */
public sealed interface Record permits KeyValue, BigValueStart, ElementBatch, BigValueEnd, Command, Transaction {
    Position position();
}
