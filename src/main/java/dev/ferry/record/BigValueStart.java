package dev.ferry.record;

import dev.ferry.command.ValueType;

/**
 * First part of a key too big to hold whole: its elements follow as {@link ElementBatch}es and a
 * {@link BigValueEnd} closes it. No other key's records come in between.
 */
public record BigValueStart(int db, byte[] key, int rdbType, long expireAtMs, Position position) implements Record {
    public ValueType type() {
        return ValueType.ofRdbType(rdbType);
    }
}
