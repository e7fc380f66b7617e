package dev.ferry.writer;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.checkpoint.Guard;
import dev.ferry.record.ShardId;
import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Exactly-once writes of what cannot be repeated. A live write that is not an assignment (INCR, APPEND, a push or
 * pop, a conditional SET, a block holding one) goes as {@code MULTI; <write>; HSET <checkpoint key of its slot>
 * g:<shard> <guard>; EXEC}: the target then holds the write if and only if it holds its guard. A resumed run skips
 * what its slot's guard covers, and a lost connection's unanswered block is looked up by its guard rather than
 * failed as "may or may not have been applied". Assignments go plain: sent again, they leave the same data.
 *
 * <p>A guard lives in the checkpoint key of the write's slot (a MULTI block in a cluster holds one slot) and db (so
 * the block needs no SELECT inside it).
 */
final class Guards {
    private static final byte[] MULTI = "MULTI".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXEC = "EXEC".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HSET = "HSET".getBytes(StandardCharsets.US_ASCII);

    /** Where a guarded block's guard is, to look it up after a lost connection. */
    record Reference(int db, byte[] key, byte[] field, Guard guard) {
    }

    private final boolean cluster;
    private volatile CheckpointKeys keys;

    Guards(boolean cluster) {
        this.cluster = cluster;
    }

    void use(CheckpointKeys keys) {
        this.keys = keys;
    }

    boolean on() {
        return keys != null;
    }

    /** The checkpoint location of a key in db {@code db}: its db and slot (a standalone target keeps one per db). */
    long location(int db, byte[] key) {
        return Guard.location(db, cluster && key != null ? Slots.of(key) : 0);
    }

    long location(CommandShaper.Piece piece) {
        return location(guardDb(piece), piece.key());
    }

    /**
     * The piece is one assignment: replaying it leaves the same data. A MULTI/EXEC block never is (even of
     * assignments): a block whose connection was lost half-way must be sent again whole, which its guard tells.
     */
    static boolean pure(CommandShaper.Piece piece) {
        List<CommandShaper.Send> sends = piece.sends();
        if (sends.size() != 1) return false;
        CommandShaper.Send s = sends.get(0);
        String name = s.name() != null ? s.name() : new String(s.args()[0], StandardCharsets.US_ASCII);
        return dev.ferry.command.CommandSafety.pureAssignment(name, s.args());
    }

    /** The piece's commands with its guard, in one MULTI block (a source block gets the guard before its EXEC). */
    List<Pending> guarded(CommandShaper.Piece piece, ShardId shard, Guard guard, KeyTicket t) {
        List<CommandShaper.Send> sends = piece.sends();
        int db = guardDb(piece);
        boolean block = isWord(sends.get(0).args()[0], MULTI);
        List<Pending> out = new ArrayList<>(sends.size() + 3);
        if (!block) out.add(multi(t, sends.get(0).db()));
        int body = block ? sends.size() - 1 : sends.size();
        for (int i = 0; i < body; i++) out.add(sends.get(i).pending(t));
        out.add(guardWrite(reference(piece, shard, guard), t, db));
        out.add(block ? sends.get(sends.size() - 1).pending(t) : exec(t, db));
        return out;
    }

    /** The HSET that records guard {@code r} inside its block, in db {@code db}. */
    static Pending guardWrite(Reference r, KeyTicket t, int db) {
        return new Pending(new byte[][] {HSET, r.key(), r.field(), r.guard().text().getBytes(StandardCharsets.US_ASCII)}, t, db, 0);
    }

    static Pending multi(KeyTicket t, int db) {
        return new Pending(new byte[][] {MULTI}, t, db, 0);
    }

    static Pending exec(KeyTicket t, int db) {
        return new Pending(new byte[][] {EXEC}, t, db, Pending.CHECK_EXEC);
    }

    Reference reference(CommandShaper.Piece piece, ShardId shard, Guard guard) {
        int slot = cluster && piece.key() != null ? Slots.of(piece.key()) : 0;
        return new Reference(guardDb(piece), keys.key(slot), CheckpointKeys.guard(shard.shard()), guard);
    }

    /** The db the guard goes to: where the block's last command runs, so no SELECT goes inside the block. */
    private static int guardDb(CommandShaper.Piece piece) {
        List<CommandShaper.Send> sends = piece.sends();
        if (sends.isEmpty()) return piece.db();
        CommandShaper.Send last = sends.get(sends.size() - 1);
        return isWord(last.args()[0], EXEC) && sends.size() > 1 ? sends.get(sends.size() - 2).db() : last.db();
    }

    private static boolean isWord(byte[] arg, byte[] word) {
        return java.util.Arrays.equals(arg, word);
    }
}
