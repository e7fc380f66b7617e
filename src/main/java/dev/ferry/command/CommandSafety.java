package dev.ferry.command;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Which commands may be sent again after a lost connection left their outcome unknown: those whose second
 * run leaves the same data as the first (set semantics, absolute times, REPLACE), and which commands reset
 * a key so that everything sent after them may be repeated from there.
 */
public final class CommandSafety {
    private static final byte[][] REPEATABLE = names("HSET", "SADD", "ZADD", "DEL", "PEXPIREAT", "HPEXPIREAT",
            "XSETID", "XCLAIM");
    private static final byte[] RESTORE = bytes("RESTORE");
    private static final byte[] SET = bytes("SET");
    private static final byte[] DEL = bytes("DEL");
    private static final byte[] REPLACE = bytes("REPLACE");
    private static final byte[] NX = bytes("NX");

    private CommandSafety() {
    }

    /** DEL, SET without NX and RESTORE ... REPLACE leave the key as if nothing had been written before. */
    public static boolean resetsKey(byte[][] args) {
        byte[] name = args[0];
        if (Arrays.equals(name, DEL)) return true;
        if (Arrays.equals(name, SET)) return !has(args, 3, NX);                 // SET key value [options]
        return Arrays.equals(name, RESTORE) && has(args, 4, REPLACE);          // RESTORE key ttl payload [options]
    }

    /**
     * Sending it twice leaves the same data as sending it once (RPUSH, APPEND, XADD do not). SET NX and
     * RESTORE without REPLACE are repeatable too: the second run finds the key the first one wrote and leaves
     * it, though it then counts the key as existing rather than written.
     */
    public static boolean repeatable(byte[][] args) {
        if (resetsKey(args) || Arrays.equals(args[0], SET) || Arrays.equals(args[0], RESTORE)) return true;
        for (byte[] r : REPEATABLE) if (Arrays.equals(args[0], r)) return true;
        return false;
    }

    private static boolean has(byte[][] args, int optionsFrom, byte[] word) {
        for (int i = optionsFrom; i < args.length; i++) if (Arrays.equals(args[i], word)) return true;
        return false;
    }

    private static byte[][] names(String... names) {
        byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) out[i] = bytes(names[i]);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
