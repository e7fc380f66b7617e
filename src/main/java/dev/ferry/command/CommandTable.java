package dev.ferry.command;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What the writer needs to know about a write command from a master's replication stream: its kind, where its
 * keys are, what type it writes, how to cut it by cluster slot and how to make it acceptable to any target.
 * Names are matched without regard to case, and so are the subcommands of FUNCTION, SCRIPT and XGROUP.
 */
public final class CommandTable {
    private CommandTable() {
    }

    public static CommandKind kind(byte[][] args) {
        CommandSpec spec = CommandSpecs.lookup(args);
        return spec == null ? CommandKind.UNKNOWN : spec.kind();
    }

    /**
     * Indexes into {@code args} of every key, in argument order; empty for keyless commands; null when the keys
     * cannot be known: the command is not in the table, or its arguments have a shape the master would have
     * refused (a count larger than the arguments that follow it, MSET with a key but no value...).
     */
    public static int[] keyIndexes(byte[][] args) {
        CommandSpec spec = CommandSpecs.lookup(args);
        return spec == null ? null : spec.keys().find(args);
    }

    /** True for a known command that names no key (FLUSHALL, SELECT, EVAL with no keys...). */
    public static boolean isKeyless(byte[][] args) {
        int[] keys = keyIndexes(args);
        return keys != null && keys.length == 0;
    }

    /**
     * The data type the command writes (GEOADD and GEOSEARCHSTORE: ZSET, PFADD: STRING, SORT: LIST for its
     * STORE target); null when it works on a key of any type (DEL, EXPIRE, RENAME, COPY, MOVE, RESTORE...),
     * writes no key, or is unknown.
     */
    public static ValueType valueType(byte[][] args) {
        CommandSpec spec = CommandSpecs.lookup(args);
        return spec == null ? null : spec.type();
    }

    /**
     * The command as commands that each touch one cluster slot: a one-element list of {@code args} itself when all its keys
     * share a slot (or it has at most one key); for MSET, MSETNX, DEL, UNLINK and TOUCH across slots, one
     * command per slot in order of each slot's first key, keeping the keys' (and MSET's pairs') relative order,
     * MSETNX parts being MSETs; null when the keys span slots and no such split exists (RENAME, SMOVE,
     * SUNIONSTORE, EVAL...) or the keys are not known.
     */
    public static List<byte[][]> splitBySlot(byte[][] args, ToIntFunction<byte[]> slotOf) {
        CommandSpec spec = CommandSpecs.lookup(args);
        return spec == null ? null : SlotSplitter.split(args, spec, spec.keys().find(args), slotOf);
    }

    /**
     * The command as any target accepts it, or {@code args} itself when it already is: RESTORE-ASKING (sent by
     * cluster slot migration, refused outside an importing slot) becomes RESTORE, and a known command's name
     * is upper-cased, because masters replicate names in whatever case their clients used and the writer
     * compares names byte for byte.
     */
    public static byte[][] normalize(byte[][] args) {
        CommandSpec spec = CommandSpecs.lookup(args);
        return spec == null ? args : normalize(args, spec);
    }

    static byte[][] normalize(byte[][] args, CommandSpec spec) {
        String name = spec.name().equals("RESTORE-ASKING") ? "RESTORE" : topName(spec.name());
        if (Ascii.isExactly(args[0], name)) return args;
        byte[][] out = args.clone();
        out[0] = Ascii.bytes(name);
        return out;
    }

    private static String topName(String name) {
        int space = name.indexOf(' ');
        return space < 0 ? name : name.substring(0, space);
    }
}
