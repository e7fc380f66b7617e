package dev.ferry.testkit.dragonfly;

/** The master's --compression_mode: 0 none, 2 zstd multi-entry, 3 LZ4 multi-entry (the default). */
public enum Compression {
    NONE,
    ZSTD,
    LZ4
}
