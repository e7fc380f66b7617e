package dev.ferry.writer;

import dev.ferry.command.CommandSafety;
import java.nio.charset.StandardCharsets;

/**
 * A command sent and not yet answered. Its arguments are kept so a MOVED or ASK answer can resend it
 * to the right node; {@code ticket} is null for connection housekeeping (SELECT, ASKING).
 */
final class Pending {
    /** A nil reply means the key already existed (SET ... NX). */
    static final int NIL_MEANS_EXISTS = 1;
    /** The EXEC closing a MULTI block: its array reply holds each command's own reply. */
    static final int CHECK_EXEC = 2;
    /**
     * A plain {@code SET key value} of a snapshot into a standalone Redis: a connection may send a run of them as one
     * MSET (see {@link PipelinedConnection}), which the target applies for a fraction of the CPU of as many SETs.
     */
    static final int GROUPABLE = 4;

    final byte[][] args;
    final KeyTicket ticket;
    final int db;
    final int flags;
    /** The command's canonical name where its first argument is not (a live command), else null. */
    private final String name;
    /** For an MSET a connection made of several groupable SETs: those SETs, each answered by its reply. */
    Pending[] members;
    /** Sent again by itself after the MSET it was grouped into was refused: never grouped again. */
    volatile boolean alone;
    int retries;
    /** Sent inside a MULTI ... EXEC block: an error while it is queued discards the whole block (EXECABORT). */
    volatile boolean inBlock;
    /** Handed to a connection at least once (a guarded block's commands not yet handed on are still its producer's). */
    volatile boolean queued;
    /** When the target first refused it for a reason that may pass (OOM, TRYAGAIN, LOADING...), nanoTime, or 0. */
    long firstRefused;
    /**
     * For the EXEC closing a block of several live records ({@link GuardBatch}): the ticket of each command queued in
     * the block, in order, so its array reply answers each record with its own commands' outcome; else null.
     */
    KeyTicket[] execTickets;

    /** A command the writer built, or a part of a split command: {@code args[0]} is its canonical name. */
    Pending(byte[][] args, KeyTicket ticket, int db, int flags) {
        this(args, ticket, db, flags, null);
    }

    /** {@code name}: the canonical name a live command was looked up by, or null when {@code args[0]} is it. */
    Pending(byte[][] args, KeyTicket ticket, int db, int flags, String name) {
        this.args = args;
        this.ticket = ticket;
        this.db = db;
        this.flags = flags;
        this.name = name;
    }

    /** The names the writer gives the commands it builds itself, looked up without making a String per command. */
    private static final String[] OWN = {"SET", "RESTORE", "DEL", "PEXPIREAT", "RPUSH", "SADD", "ZADD", "HSET", "APPEND"};
    private static final byte[][] OWN_BYTES = new byte[OWN.length][];

    static {
        for (int i = 0; i < OWN.length; i++) OWN_BYTES[i] = OWN[i].getBytes(StandardCharsets.US_ASCII);
    }

    private String name() {
        if (name != null) return name;
        byte[] first = args[0];
        for (int i = 0; i < OWN.length; i++) if (java.util.Arrays.equals(first, OWN_BYTES[i])) return OWN[i];
        return new String(first, StandardCharsets.US_ASCII);
    }

    /** Sending it twice leaves the same data as once: safe to send again when its outcome is unknown. */
    boolean repeatable() {
        return CommandSafety.repeatable(name(), args);
    }

    /** It leaves its key as if nothing had been written before (DEL, SET without NX, RESTORE ... REPLACE). */
    boolean resetsKey() {
        return CommandSafety.resetsKey(name(), args);
    }

    /** The same command, to send again as a new one (a guarded block whose first commands were answered). */
    Pending copy() {
        Pending p = new Pending(args, ticket, db, flags, name);
        p.execTickets = execTickets;
        return p;
    }

    static Pending control(byte[][] args) {
        return new Pending(args, null, -1, 0);
    }

    int bytes() {
        int n = 0;
        for (byte[] a : args) n += a.length;
        return n;
    }
}
