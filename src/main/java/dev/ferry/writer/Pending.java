package dev.ferry.writer;

/**
 * A command sent and not yet answered. Its arguments are kept so a MOVED or ASK answer can resend it
 * to the right node; {@code ticket} is null for connection housekeeping (SELECT, ASKING).
 */
final class Pending {
    /** A nil reply means the key already existed (SET ... NX). */
    static final int NIL_MEANS_EXISTS = 1;
    /** The EXEC closing a MULTI block: its array reply holds each command's own reply. */
    static final int CHECK_EXEC = 2;

    final byte[][] args;
    final KeyTicket ticket;
    final int db;
    final int flags;
    int retries;
    /** When the target first refused it for a reason that may pass (OOM, TRYAGAIN, LOADING...), nanoTime, or 0. */
    long firstRefused;

    Pending(byte[][] args, KeyTicket ticket, int db, int flags) {
        this.args = args;
        this.ticket = ticket;
        this.db = db;
        this.flags = flags;
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
