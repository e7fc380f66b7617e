package dev.ferry.writer;

import java.util.ArrayList;
import java.util.List;

/**
 * Consecutive live records of one shard written in one guarded block: {@code MULTI; <each record's command>; HSET
 * <checkpoint key> g:<shard> <the last record's guard>; EXEC}. The block is applied whole or not at all, so its one
 * guard says of every record in it what a guard per record would: a resume skips them all when the target holds
 * it, a lost connection's block is looked up by it. It costs the target three commands per block instead of three
 * per record (the live path's extra work; without guards Ferry kept up with the load generator's top rate).
 *
 * <p>Each record keeps its own ticket, so its position, its count and any failure stay its own; every ticket also
 * waits for the EXEC, which answers each one with its own commands' outcome ({@link Pending#execTickets}). Records
 * join only while they write the same guard location and db (no SELECT inside MULTI); an assignment joins an open
 * block too, since sent alone it would overtake the records before it. Owned by its shard's writing thread.
 */
final class GuardBatch {
    /**
     * Records per block (at 480-560k live writes/s the blocks were full: 5.1M records in 80k blocks). A Dragonfly
     * target gets one: a MULTI over keys of several of its shards is a multi-shard transaction there, whose cost was
     * not measured.
     */
    static final int MAX_RECORDS = 64;
    /** Command bytes per block: a block is sent in one go and held until EXEC answers. */
    static final int MAX_BYTES = 256 * 1024;

    final long location;
    final int db;
    private final int maxRecords;
    private final List<Pending> block = new ArrayList<>();
    private final List<KeyTicket> tickets = new ArrayList<>();
    /** The ticket of each command queued after MULTI, in order (the guard's HSET is the last record's). */
    private final List<KeyTicket> byCommand = new ArrayList<>();
    private final Pending exec;
    private Guards.Reference last;
    private int bytes;

    GuardBatch(long location, int db, int maxRecords, KeyTicket first) {
        this.location = location;
        this.db = db;
        this.maxRecords = maxRecords;
        Pending multi = Guards.multi(first, db);
        first.added(multi);
        block.add(multi);
        exec = Guards.exec(first, db);
    }

    /** Whether a record writing {@code location} in {@code db} may join. */
    boolean accepts(long location, int db) {
        return location == this.location && db == this.db && tickets.size() < maxRecords && bytes < MAX_BYTES;
    }

    int records() {
        return tickets.size();
    }

    boolean full() {
        return tickets.size() >= maxRecords || bytes >= MAX_BYTES;
    }

    /** Adds a record's command; its ticket now also waits for the EXEC. */
    void add(KeyTicket t, Pending command, Guards.Reference guard) {
        t.added(command);
        t.added(exec);
        block.add(command);
        byCommand.add(t);
        tickets.add(t);
        last = guard;
        bytes += command.bytes();
    }

    /** The whole block, ready to send, with the last record's guard; every record's ticket learns it is guarded by it. */
    List<Pending> close() {
        KeyTicket lastTicket = tickets.get(tickets.size() - 1);
        Pending hset = Guards.guardWrite(last, lastTicket, db);
        lastTicket.added(hset);
        block.add(hset);
        byCommand.add(lastTicket);
        exec.execTickets = byCommand.toArray(new KeyTicket[0]);
        block.add(exec);
        List<Pending> out = List.copyOf(block);
        for (KeyTicket t : tickets) t.guard(last, out);
        return out;
    }
}
