package dev.ferry.command;

import java.util.Arrays;

/**
 * Where a command's keys sit among its arguments. A finder returns null when the arguments do not have the
 * shape the command requires, since the master would have refused such a command and its keys are then
 * not known.
 */
@FunctionalInterface
interface KeyFinder {
    int[] find(byte[][] args);

    int[] NONE = new int[0];

    static KeyFinder none() {
        return args -> NONE;
    }

    /** Keys at fixed positions, such as RENAME's 1 and 2. */
    static KeyFinder at(int... positions) {
        int last = positions[positions.length - 1];
        return args -> args.length > last ? positions.clone() : null;
    }

    /** Every argument from {@code first} up to the one {@code trailing} places before the end is a key. */
    static KeyFinder run(int first, int trailing) {
        return args -> {
            int end = args.length - trailing;
            return end > first ? sequence(first, end, 1) : null;
        };
    }

    /** Every argument from {@code first} to the end is a key (DEL, SINTERSTORE). */
    static KeyFinder rest(int first) {
        return run(first, 0);
    }

    /** Key, value, key, value... from {@code first} to the end (MSET). */
    static KeyFinder pairs(int first) {
        return args -> {
            int n = args.length - first;
            return n > 0 && n % 2 == 0 ? sequence(first, args.length, 2) : null;
        };
    }

    /**
     * The keys at {@code fixed} positions, then as many keys as the count at {@code countAt} says, right
     * after that count (ZUNIONSTORE dst numkeys k..., LMPOP numkeys k..., EVAL script numkeys k...).
     */
    static KeyFinder counted(int countAt, int... fixed) {
        return args -> {
            if (args.length <= countAt) return null;
            long count = Ascii.parseCount(args[countAt]);
            if (count < 0 || count > args.length - countAt - 1) return null;
            int[] keys = Arrays.copyOf(fixed, fixed.length + (int) count);
            for (int i = 0; i < count; i++) keys[fixed.length + i] = countAt + 1 + i;
            return keys;
        };
    }

    private static int[] sequence(int from, int to, int step) {
        int[] out = new int[(to - from + step - 1) / step];
        for (int i = 0; i < out.length; i++) out[i] = from + i * step;
        return out;
    }
}
