package dev.ferry.writer;

import dev.ferry.record.Position;
import dev.ferry.record.ShardId;

/**
 * The commands of one source record (one key) in flight. The key counts as written once the record is
 * closed and every command has been answered; any error makes it failed, and a "key exists" answer under
 * --no-replace makes it skipped.
 */
final class KeyTicket {
    final ShardId shard;
    final long seq;
    final int db;
    final byte[] key;
    /** The connection index this key's commands use on its node, or -1 to spread keys by slot. */
    final int lane;
    /** A live command rather than a whole key. */
    final boolean command;
    private int outstanding;
    private int answeredCount;
    private boolean startsWithReset;
    private boolean closed;
    private Position position;
    private String failure;
    private boolean existed;
    private String skipReason;
    /** A guarded block: where its guard is, and every command of the block in order (see {@link Guards}). */
    private Guards.Reference guard;
    private java.util.List<Pending> block;

    KeyTicket(ShardId shard, long seq, int db, byte[] key, int lane, boolean command) {
        this.shard = shard;
        this.seq = seq;
        this.db = db;
        this.key = key;
        this.lane = lane;
        this.command = command;
    }

    /** A command of this key is about to be sent; the first one tells whether replaying the key from it is safe. */
    synchronized void added(Pending p) {
        if (outstanding == 0 && answeredCount == 0) startsWithReset = p.resetsKey();
        outstanding++;
    }

    /**
     * True when every command sent for this key can be sent again from the first: none has been answered yet
     * and the first one replaces the whole value (DEL, SET, RESTORE ... REPLACE).
     */
    synchronized boolean replayableFromStart() {
        return answeredCount == 0 && startsWithReset && failure == null;
    }

    /** Returns true when this answer finished the ticket. */
    synchronized boolean answered(String error, boolean keyExisted) {
        outstanding--;
        answeredCount++;
        if (error != null && failure == null) failure = error;
        if (keyExisted) existed = true;
        return closed && outstanding == 0;
    }

    /** No more commands will be added; returns true when nothing is outstanding (the ticket is finished). */
    synchronized boolean close(Position position) {
        this.position = position;
        closed = true;
        return outstanding == 0;
    }

    /** The key is deliberately not written; whatever was sent for it so far still gets answered. */
    synchronized void skip(String reason) {
        if (skipReason == null) skipReason = reason;
    }

    /** The key exists on the target and --no-replace keeps it. */
    synchronized void answeredExists() {
        existed = true;
    }

    synchronized void guard(Guards.Reference guard, java.util.List<Pending> block) {
        this.guard = guard;
        this.block = block;
    }

    synchronized Guards.Reference guard() { return guard; }
    synchronized java.util.List<Pending> block() { return block; }

    synchronized Position position() { return position; }
    synchronized String skipReason() { return skipReason; }
    synchronized String failure() { return failure; }
    synchronized boolean existed() { return existed; }

    /*
     * Once answered() or close() returned true (finished), nothing writes this ticket any more and the thread that
     * finished it saw every write through that call's lock: it reads the outcome without locking again (four locked
     * reads per key were a fifth of the reply threads' time on a string import).
     */
    Position finishedPosition() { return position; }
    String finishedSkipReason() { return skipReason; }
    String finishedFailure() { return failure; }
    boolean finishedExisted() { return existed; }

    /** The key's hash slot, worked out once: the key is routed for every command and every wait for a window. */
    int slot() {
        int s = slot;
        if (s < 0) slot = s = dev.ferry.server.Slots.of(key);
        return s;
    }

    /** -1 until {@link #slot} works it out; racing threads compute the same value. */
    private int slot = -1;
}
