package dev.ferry.command;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * Which commands may be sent again after a lost connection left their outcome unknown: those whose second
 * run leaves the same data as the first (set semantics, absolute times, REPLACE), and which commands reset
 * a key so that everything sent after them may be repeated from there. Commands are told apart by their
 * canonical name ({@link ParsedCommand#name()}, or the name the writer itself gave a command it built); only
 * option words are matched in the arguments.
 */
public final class CommandSafety {
    private static final Set<String> REPEATABLE = Set.of("HSET", "SADD", "ZADD", "DEL", "PEXPIREAT", "HPEXPIREAT",
            "XSETID", "XCLAIM");
    private static final byte[] REPLACE = "REPLACE".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NX = "NX".getBytes(StandardCharsets.US_ASCII);

    private CommandSafety() {
    }

    /**
     * DEL, SET without NX and RESTORE ... REPLACE leave the key as if nothing had been written before.
     *
     * @param name the command's canonical upper-case name
     */
    public static boolean resetsKey(String name, byte[][] args) {
        switch (name) {
            case "DEL":
                return true;
            case "SET":
                return !has(args, 3, NX);                                      // SET key value [options]
            case "RESTORE", "RESTORE-ASKING":
                return has(args, 4, REPLACE);                                  // RESTORE key ttl payload [options]
            default:
                return false;
        }
    }

    /**
     * Sending it twice leaves the same data as sending it once (RPUSH, APPEND, XADD do not). SET NX and
     * RESTORE without REPLACE are repeatable too: the second run finds the key the first one wrote and leaves
     * it, though it then counts the key as existing rather than written.
     *
     * @param name the command's canonical upper-case name
     */
    public static boolean repeatable(String name, byte[][] args) {
        return switch (name) {
            case "SET", "RESTORE", "RESTORE-ASKING" -> true;
            default -> REPEATABLE.contains(name) || resetsKey(name, args) || pureAssignment(name, args);
        };
    }

    private static final Set<String> PURE = Set.of("MSET", "HSET", "HMSET", "HDEL", "SADD", "SREM", "ZREM", "DEL",
            "UNLINK", "PERSIST", "XDEL");
    private static final Set<String> ABSOLUTE_SET_OPTIONS = Set.of("KEEPTTL", "PXAT", "EXAT");

    /**
     * An assignment: a run of such commands applied again right after itself leaves the same data (each sets a key,
     * a field or a member to a value given in full, or removes it). What a resumed run may send again without a
     * guard; anything else (INCR, APPEND, pushes and pops, conditional forms, relative times) is sent with its
     * checkpoint in one MULTI block, and never twice.
     *
     * @param name the command's canonical upper-case name
     */
    public static boolean pureAssignment(String name, byte[][] args) {
        switch (name) {
            case "SET": {
                for (int i = 3; i < args.length; i++) {
                    String option = new String(args[i], StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
                    if (!ABSOLUTE_SET_OPTIONS.contains(option)) return false; // NX, XX, GET, EX, PX...
                    if (!option.equals("KEEPTTL")) i++; // its time
                }
                return true;
            }
            case "ZADD":
                for (int i = 2; i < args.length - 1; i++) {
                    String option = new String(args[i], StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
                    if (option.equals("CH")) continue;
                    if (option.equals("NX") || option.equals("XX") || option.equals("GT") || option.equals("LT")
                            || option.equals("INCR")) return false;
                    break; // the first score
                }
                return true;
            case "PEXPIREAT", "EXPIREAT":
                return args.length == 3; // NX, XX, GT and LT depend on the key's current time
            case "RESTORE", "RESTORE-ASKING":
                return has(args, 4, REPLACE);
            default:
                return PURE.contains(name);
        }
    }

    private static boolean has(byte[][] args, int optionsFrom, byte[] word) {
        for (int i = optionsFrom; i < args.length; i++) if (Arrays.equals(args[i], word)) return true;
        return false;
    }
}
