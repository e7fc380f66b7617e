package dev.ferry.writer;

import dev.ferry.command.ParsedCommand;
import dev.ferry.record.Command;
import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What to send for a live command or a source MULTI/EXEC block, decided without a connection from the command's
 * parsed form ({@link ParsedCommand}: keys and slot split, looked up once when it left the source): a standalone
 * target takes a command as is; a cluster target needs its keys in one slot, so a command over several slots is
 * split where the parts do the same (MSET, DEL...) and refused otherwise, and a db other than 0 is refused. A
 * block is kept atomic (MULTI ... EXEC) where the target allows it: always on a standalone target, on a cluster
 * target when every key is in one slot; otherwise it is applied command by command, in order.
 *
 * <p>A record comes out as pieces, one ticket each; as {@link dev.ferry.record.Position#ofPart} says, only the last
 * piece claims the record's position.
 */
final class CommandShaper {
    private static final byte[][] MULTI = {"MULTI".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] EXEC = {"EXEC".getBytes(StandardCharsets.US_ASCII)};

    private CommandShaper() {
    }

    /**
     * One command to send, into db {@code db}, with {@link Pending} flags; {@code name} is the canonical name it was
     * looked up by, or null where {@code args[0]} is it (a part of a split command, MULTI, EXEC).
     */
    record Send(int db, int flags, byte[][] args, String name) {
        Pending pending(KeyTicket ticket) {
            return new Pending(args, ticket, db, flags, name);
        }
    }

    /** One ticket's worth: the key (and db) it is filed under, and either what to send or why it is refused. */
    record Piece(int db, byte[] key, List<Send> sends, String refusal) {
    }

    /** The pieces of one record; {@code nonAtomic}: a source MULTI/EXEC block applied command by command. */
    record Shape(List<Piece> pieces, boolean nonAtomic) {
    }

    /** Why db {@code db} cannot be written to a cluster target, or null. */
    static String clusterDbRefusal(boolean cluster, int db) {
        if (cluster && db != 0) {
            return "db " + db + " cannot be written to a cluster target (map it with --db-map " + db + "=0)";
        }
        return null;
    }

    /** One live command on a standalone or cluster target. */
    static List<Piece> command(boolean cluster, int db, ParsedCommand command) {
        List<Piece> out = new ArrayList<>();
        command(cluster, db, command, out);
        return out;
    }

    private static void command(boolean cluster, int db, ParsedCommand command, List<Piece> out) {
        byte[][] args = command.args();
        int[] keys = command.keyIndexes();
        Send whole = new Send(db, 0, args, command.name());
        if (!cluster) {
            out.add(new Piece(db, command.firstKey(), List.of(whole), null));
            return;
        }
        String refusal = clusterDbRefusal(true, db);
        if (refusal == null && (keys == null || keys.length == 0)) {
            refusal = "command " + name(args) + " names no key Ferry knows of, so it cannot be routed on a cluster target";
        }
        List<byte[][]> parts = refusal == null ? command.splitBySlot(Slots::of) : null;
        if (refusal == null && parts == null) {
            refusal = name(args) + " over keys in different slots has no equivalent on a cluster target";
        }
        if (refusal != null) {
            out.add(new Piece(db, command.firstKey(), List.of(), refusal));
        } else if (parts.size() == 1) {
            out.add(new Piece(db, command.firstKey(), List.of(whole), null));
        } else {
            // a split part is the name and its keys (with their values), so its first key comes right after the name
            for (byte[][] part : parts) out.add(new Piece(db, part[1], List.of(new Send(db, 0, part, null)), null));
        }
    }

    /**
     * A source MULTI/EXEC block; an empty one sends nothing and files nothing. {@code selectInMulti}: the target
     * runs a SELECT queued inside MULTI (Redis); where it does not (Dragonfly keeps a transaction in the db it began
     * in), a block over several dbs is applied command by command, each preceded by its SELECT.
     */
    static Shape transaction(boolean cluster, boolean selectInMulti, List<Command> cmds) {
        int slot = -1;
        boolean oneSlot = true;
        for (int i = 0; i < cmds.size() && cluster; i++) {
            ParsedCommand c = cmds.get(i).parsed();
            int[] keys = c.keyIndexes();
            if (keys == null || keys.length == 0 || cmds.get(i).db() != 0) {
                oneSlot = false;
                continue;
            }
            for (int k : keys) {
                int s = Slots.of(c.args()[k]);
                if (slot == -1) slot = s;
                else if (s != slot) oneSlot = false;
            }
        }
        if (cmds.isEmpty()) return new Shape(List.of(), false);
        boolean oneDb = true;
        for (Command c : cmds) oneDb &= c.db() == cmds.get(0).db();
        if ((cluster && (!oneSlot || slot == -1)) || (!selectInMulti && !oneDb)) {
            List<Piece> out = new ArrayList<>();
            for (Command c : cmds) command(cluster, c.db(), c.parsed(), out);
            return new Shape(out, true);
        }
        int first = cmds.get(0).db();
        List<Send> sends = new ArrayList<>();
        sends.add(new Send(first, 0, MULTI, null));
        for (Command c : cmds) sends.add(new Send(c.db(), 0, c.args(), c.parsed().name()));
        sends.add(new Send(cmds.get(cmds.size() - 1).db(), Pending.CHECK_EXEC, EXEC, null));
        return new Shape(List.of(new Piece(first, cmds.get(0).parsed().firstKey(), sends, null)), false);
    }

    /** The name as refusals have always printed it: the first argument, upper-cased. */
    private static String name(byte[][] args) {
        return new String(args[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }
}
