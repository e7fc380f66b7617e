package dev.ferry.command;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A live write command looked up once: its table row (kind, type written, key positions, how it splits by
 * slot), its keys and its arguments as every target accepts them ({@link CommandTable#normalize}). The live path
 * builds it when the command leaves the source and hands it along, so the filters, the db map, the writer's
 * routing and its replay rules never parse the same command again.
 */
public final class ParsedCommand {
    private final byte[][] args;
    private final CommandSpec spec;
    private final int[] keys;
    private byte repeatable = -1;

    private ParsedCommand(byte[][] args, CommandSpec spec, int[] keys) {
        this.args = args;
        this.spec = spec;
        this.keys = keys;
    }

    public static ParsedCommand of(byte[][] args) {
        CommandSpec spec = CommandSpecs.lookup(args);
        if (spec == null) return new ParsedCommand(args, null, null);
        return new ParsedCommand(CommandTable.normalize(args, spec), spec, spec.keys().find(args));
    }

    /** The arguments, name upper-cased for a known command (RESTORE-ASKING as RESTORE). */
    public byte[][] args() {
        return args;
    }

    /** The same command with argument {@code index} replaced (a db number the db map changes): keys stay where they were. */
    public ParsedCommand withArgument(int index, byte[] value) {
        byte[][] out = args.clone();
        out[index] = value;
        return new ParsedCommand(out, spec, keys);
    }

    public boolean known() {
        return spec != null;
    }

    /** Canonical upper-case name ("SET", "FUNCTION LOAD"); for an unknown command its first word, upper-cased. */
    public String name() {
        if (spec != null) return spec.name();
        String n = Ascii.upper(args[0]);
        return n == null ? new String(args[0], java.nio.charset.StandardCharsets.UTF_8) : n;
    }

    /** Whether the name is {@code upper} (an upper-case ASCII word). */
    public boolean is(String upper) {
        return spec != null ? spec.name().equals(upper) : Ascii.is(args[0], upper);
    }

    public CommandKind kind() {
        return spec == null ? CommandKind.UNKNOWN : spec.kind();
    }

    /** The type the command writes, or null (any type, none, or unknown): see {@link CommandTable#valueType}. */
    public ValueType type() {
        return spec == null ? null : spec.type();
    }

    /** Indexes of the keys in {@link #args()}; empty for keyless commands, null when they cannot be known. */
    public int[] keyIndexes() {
        return keys;
    }

    /** The first key, or where there is none the first argument (or the name): what a report names. */
    public byte[] firstKey() {
        if (keys != null && keys.length > 0) return args[keys[0]];
        return args.length > 1 ? args[1] : args[0];
    }

    /**
     * Where the command names another db it writes into: MOVE key <b>db</b>, COPY src dst ... DB <b>db</b>; -1 when
     * it names none (the db map changes that argument, and that db holds keys the source wrote).
     */
    public int dbArgumentIndex() {
        if (is("MOVE")) return args.length == 3 ? 2 : -1;
        if (is("COPY")) {
            for (int i = 3; i + 1 < args.length; i++) if (Ascii.is(args[i], "DB")) return i + 1;
        }
        return -1;
    }

    /** As {@link CommandTable#splitBySlot}: one command per slot, or null when no equivalent split exists. */
    public List<byte[][]> splitBySlot(ToIntFunction<byte[]> slotOf) {
        return spec == null ? null : SlotSplitter.split(args, spec, keys, slotOf);
    }

    /** Sending it twice leaves the same data as once ({@link CommandSafety#repeatable}). */
    public boolean repeatable() {
        if (repeatable < 0) repeatable = (byte) (CommandSafety.repeatable(name(), args) ? 1 : 0);
        return repeatable == 1;
    }

    /** It leaves its key as if nothing had been written before (DEL, SET without NX...: {@link CommandSafety#resetsKey}). */
    public boolean resetsKey() {
        return CommandSafety.resetsKey(name(), args);
    }

    @Override
    public String toString() {
        return name();
    }
}
