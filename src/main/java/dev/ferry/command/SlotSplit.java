package dev.ferry.command;

/** Whether a multi-key command can be cut into per-slot commands with the same effect, and how. */
enum SlotSplit {
    /** No per-slot equivalent: the command relates its keys (RENAME, SUNIONSTORE, EVAL...). */
    NONE,
    /** Every argument is an independent key (DEL, UNLINK, TOUCH). */
    EACH_KEY,
    /** Independent key-value pairs (MSET). */
    KEY_VALUE_PAIRS
}
