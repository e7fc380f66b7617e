package dev.ferry.command;

/** What a command from a master's replication stream asks of the writer, which decides routing by it. */
public enum CommandKind {
    /** A data write whose keys the table knows. */
    KEYED,
    /** FLUSHALL or FLUSHDB, with or without ASYNC/SYNC. */
    FLUSH,
    /** FUNCTION LOAD, DELETE, FLUSH or RESTORE: library state every target master needs. */
    FUNCTION,
    /** SCRIPT LOAD or SCRIPT FLUSH, which older masters replicate so that a later EVALSHA finds its script. */
    SCRIPT,
    /** SWAPDB a b. */
    SWAPDB,
    /** Stream traffic that changes no data: PING, PUBLISH, SPUBLISH, REPLCONF. */
    DROP,
    /** SELECT n. */
    SELECT,
    /** Opens a transaction block. */
    MULTI,
    /** Closes a transaction block. */
    EXEC,
    /** Not in the table (modules, unknown subcommands): its keys cannot be known. */
    UNKNOWN
}
