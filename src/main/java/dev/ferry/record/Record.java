package dev.ferry.record;

/**
 * What a source reader hands to the writer. Every record carries the source position right after it,
 * so the writer can say which prefix of the source has been applied on the target.
 */
public sealed interface Record permits KeyValue, BigValueStart, ElementBatch, BigValueEnd, Command, Transaction {
    long position();
}
