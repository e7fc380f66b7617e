package dev.ferry.command;

/** The Redis data type of a value, whatever its encoding. */
public enum ValueType {
    STRING, LIST, SET, ZSET, HASH, STREAM, MODULE;

    /** Maps an RDB object type code (src/rdb.h) to its data type; null for unknown codes. */
    public static ValueType ofRdbType(int rdbType) {
        switch (rdbType) {
            case 0: return STRING;
            case 1: case 10: case 14: case 18: return LIST;
            case 2: case 11: case 20: return SET;
            case 3: case 5: case 12: case 17: return ZSET;
            case 4: case 9: case 13: case 16: case 22: case 23: case 24: case 25: return HASH;
            // Dragonfly's own codes (only its replication stream and snapshots carry them)
            case 31: return HASH;
            case 32: return SET;
            case 30: case 33: case 34: case 35: case 36: case 37: return MODULE;
            case 15: case 19: case 21: return STREAM;
            case 6: case 7: return MODULE;
            default: return null;
        }
    }
}
