package dev.ferry.writer;

import dev.ferry.command.CommandTable;
import dev.ferry.record.Command;
import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What to send for a live command or a source MULTI/EXEC block, decided without a connection: a standalone
 * target takes a command as is; a cluster target needs its keys in one slot, so a command over several slots
 * is split where the parts do the same (MSET, DEL...) and refused otherwise, and a db other than 0 is refused.
 * A block is kept atomic (MULTI ... EXEC) where the target allows it: always on a standalone target, on a
 * cluster target when every key is in one slot; otherwise it is applied command by command, in order.
 */
final class CommandShaper {
    private static final byte[][] MULTI = {"MULTI".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] EXEC = {"EXEC".getBytes(StandardCharsets.US_ASCII)};

    private CommandShaper() {
    }

    /** One command to send, into db {@code db}, with {@link Pending} flags. */
    record Send(int db, int flags, byte[][] args) {
    }

    /**
     * One ticket's worth: the key (and db) it is filed under, and either what to send or why it is refused.
     * Only the {@code last} piece of a record claims the record's position; the pieces before it claim the
     * position of the record before.
     */
    record Piece(int db, byte[] key, List<Send> sends, String refusal, boolean last) {
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

    /** One live command ({@code args} normalized) on a standalone or cluster target. */
    static List<Piece> command(boolean cluster, int db, byte[][] args) {
        List<Piece> out = new ArrayList<>();
        command(cluster, db, args, true, out);
        return out;
    }

    private static void command(boolean cluster, int db, byte[][] args, boolean last, List<Piece> out) {
        int[] keys = CommandTable.keyIndexes(args);
        if (!cluster) {
            out.add(send(db, args, keys, last));
            return;
        }
        String refusal = clusterDbRefusal(true, db);
        if (refusal == null && (keys == null || keys.length == 0)) {
            refusal = "command " + name(args) + " names no key Ferry knows of, so it cannot be routed on a cluster target";
        }
        List<byte[][]> parts = refusal == null ? CommandTable.splitBySlot(args, Slots::of) : null;
        if (refusal == null && parts == null) {
            refusal = name(args) + " over keys in different slots has no equivalent on a cluster target";
        }
        if (refusal != null) {
            out.add(new Piece(db, firstKey(args, keys), List.of(), refusal, last));
            return;
        }
        for (int i = 0; i < parts.size(); i++) {
            byte[][] part = parts.get(i);
            out.add(send(db, part, CommandTable.keyIndexes(part), last && i == parts.size() - 1));
        }
    }

    private static Piece send(int db, byte[][] args, int[] keys, boolean last) {
        return new Piece(db, firstKey(args, keys), List.of(new Send(db, 0, args)), null, last);
    }

    /** A source MULTI/EXEC block; an empty one sends nothing and files nothing. */
    static Shape transaction(boolean cluster, List<Command> cmds) {
        byte[][][] args = new byte[cmds.size()][][];
        int slot = -1;
        boolean oneSlot = true;
        for (int i = 0; i < cmds.size(); i++) {
            args[i] = CommandTable.normalize(cmds.get(i).args());
            if (!cluster) continue;
            int[] keys = CommandTable.keyIndexes(args[i]);
            if (keys == null || keys.length == 0 || cmds.get(i).db() != 0) {
                oneSlot = false;
                continue;
            }
            for (int k : keys) {
                int s = Slots.of(args[i][k]);
                if (slot == -1) slot = s;
                else if (s != slot) oneSlot = false;
            }
        }
        if (cmds.isEmpty()) return new Shape(List.of(), false);
        if (cluster && (!oneSlot || slot == -1)) {
            List<Piece> out = new ArrayList<>();
            for (int i = 0; i < cmds.size(); i++) command(true, cmds.get(i).db(), args[i], i == cmds.size() - 1, out);
            return new Shape(out, true);
        }
        int first = cmds.get(0).db();
        List<Send> sends = new ArrayList<>();
        sends.add(new Send(first, 0, MULTI));
        for (int i = 0; i < cmds.size(); i++) sends.add(new Send(cmds.get(i).db(), 0, args[i]));
        sends.add(new Send(cmds.get(cmds.size() - 1).db(), Pending.CHECK_EXEC, EXEC));
        byte[] key = firstKey(args[0], CommandTable.keyIndexes(args[0]));
        return new Shape(List.of(new Piece(first, key, sends, null, true)), false);
    }

    private static byte[] firstKey(byte[][] args, int[] keys) {
        if (keys != null && keys.length > 0) return args[keys[0]];
        return args.length > 1 ? args[1] : args[0];
    }

    private static String name(byte[][] args) {
        return new String(args[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }
}
