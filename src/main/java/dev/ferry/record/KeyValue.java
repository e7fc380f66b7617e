package dev.ferry.record;

import dev.ferry.command.ValueType;

/**
 * One whole key from a snapshot. The value is kept exactly as the RDB serialised it: {@code payload}
 * is the object type byte followed by the value body, so a DUMP payload is {@code payload} plus the
 * version and CRC-64 footer. Decoding to elements happens only when a writer needs it.
 *
 * @param db         source database number
 * @param key        key bytes, binary-safe
 * @param rdbType    RDB object type code (src/rdb.h), also payload[0]
 * @param expireAtMs absolute expiry in Unix milliseconds, or -1 for none
 * @param payload    type byte + serialised value, as read
 * @param rdbVersion RDB version of the source the payload came from
 * @param position   source position right after this record (file offset, replication offset...)
 */
public record KeyValue(int db, byte[] key, int rdbType, long expireAtMs, byte[] payload, int rdbVersion,
                       Position position) implements Record {
    public ValueType type() {
        return ValueType.ofRdbType(rdbType);
    }
}
