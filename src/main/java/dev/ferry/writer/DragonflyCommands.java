package dev.ferry.writer;

import dev.ferry.command.Ascii;
import dev.ferry.command.ParsedCommand;
import dev.ferry.server.ServerInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Live commands a Dragonfly target takes only in another form, rewritten before they are shaped, each with the
 * warning that says what the key loses (the writer reports it for the key, as for a snapshot key):
 *
 * <ul>
 *   <li>a TTL beyond Dragonfly's limit ({@link DragonflyTtl}) in PEXPIREAT, EXPIREAT, PEXPIRE, EXPIRE, SET
 *       EX/PX/EXAT/PXAT, SETEX, PSETEX, GETEX and RESTORE: cut to the limit (Dragonfly would refuse an absolute one,
 *       leaving the key without a TTL, and cut the others silently);</li>
 *   <li>XSETID with ENTRIESADDED or MAXDELETEDID, which Dragonfly refuses: sent as the plain XSETID;</li>
 *   <li>XGROUP CREATE with ENTRIESREAD, which Dragonfly takes and ignores: sent as is, with the warning.</li>
 * </ul>
 */
final class DragonflyCommands {
    /** What to send instead, and what the key loses; {@code command} may be the one given (only a warning). */
    record Rewritten(ParsedCommand command, String warning) {
    }

    private DragonflyCommands() {
    }

    /** {@code c} as Dragonfly takes it at wall-clock time {@code nowMs}, or null when it goes as it is. */
    static Rewritten rewrite(ServerInfo target, ParsedCommand c, long nowMs) {
        byte[][] a = c.args();
        try {
            switch (c.name()) {
                case "PEXPIREAT": return a.length >= 3 ? absolute(c, 2, 1, nowMs) : null;
                case "EXPIREAT": return a.length >= 3 ? absolute(c, 2, 1000, nowMs) : null;
                case "PEXPIRE": return a.length >= 3 ? relative(c, 2, 1, nowMs) : null;
                case "EXPIRE": return a.length >= 3 ? relative(c, 2, 1000, nowMs) : null;
                case "SETEX": return a.length >= 4 ? relative(c, 2, 1000, nowMs) : null;
                case "PSETEX": return a.length >= 4 ? relative(c, 2, 1, nowMs) : null;
                case "SET": return timeOption(c, 3, nowMs);
                case "GETEX": return timeOption(c, 2, nowMs);
                case "RESTORE": {
                    if (a.length < 4) return null;
                    boolean abs = false;
                    for (int i = 4; i < a.length; i++) abs |= "ABSTTL".equals(upper(a[i]));
                    return abs ? absolute(c, 2, 1, nowMs) : relative(c, 2, 1, nowMs);
                }
                case "XSETID": return xsetid(c);
                case "XGROUP CREATE": return xgroupCreate(target, c);
                default: return null;
            }
        } catch (NumberFormatException e) {
            return null; // not a number: the target answers for it, as it would to the source's client
        }
    }

    /** Argument {@code at} is an absolute time in units of {@code unitMs}. */
    private static Rewritten absolute(ParsedCommand c, int at, long unitMs, long nowMs) {
        long value = Long.parseLong(Ascii.text(c.args()[at]));
        if (value <= 0 || value > Long.MAX_VALUE / unitMs) return null;
        long expireAtMs = value * unitMs;
        if (!DragonflyTtl.beyond(expireAtMs, nowMs)) return null;
        long clamped = DragonflyTtl.clampAt(expireAtMs, nowMs) / unitMs;
        return new Rewritten(c.withArgument(at, Ascii.bytes(Long.toString(clamped))),
                DragonflyTtl.warning(expireAtMs - nowMs, expireAtMs));
    }

    /** Argument {@code at} is a TTL in units of {@code unitMs}, from now. */
    private static Rewritten relative(ParsedCommand c, int at, long unitMs, long nowMs) {
        long value = Long.parseLong(Ascii.text(c.args()[at]));
        if (value <= 0) return null;
        long aheadMs = value > Long.MAX_VALUE / unitMs ? Long.MAX_VALUE : value * unitMs;
        if (aheadMs <= DragonflyTtl.MAX_MS) return null;
        long expireAtMs = aheadMs > Long.MAX_VALUE - nowMs ? Long.MAX_VALUE : nowMs + aheadMs;
        return new Rewritten(c.withArgument(at, Ascii.bytes(Long.toString(DragonflyTtl.MAX_MS / unitMs))),
                DragonflyTtl.warning(aheadMs, expireAtMs));
    }

    /** SET and GETEX: the first EX, PX, EXAT or PXAT option from argument {@code from} on. */
    private static Rewritten timeOption(ParsedCommand c, int from, long nowMs) {
        byte[][] a = c.args();
        for (int i = from; i + 1 < a.length; i++) {
            switch (upper(a[i])) {
                case "EX": return relative(c, i + 1, 1000, nowMs);
                case "PX": return relative(c, i + 1, 1, nowMs);
                case "EXAT": return absolute(c, i + 1, 1000, nowMs);
                case "PXAT": return absolute(c, i + 1, 1, nowMs);
                default: break;
            }
        }
        return null;
    }

    /** XSETID key id [ENTRIESADDED n] [MAXDELETEDID id]: the plain form, saying what it leaves unset. */
    private static Rewritten xsetid(ParsedCommand c) {
        byte[][] a = c.args();
        if (a.length <= 3) return null;
        String added = null;
        String maxDeleted = null;
        for (int i = 3; i + 1 < a.length; i += 2) {
            String option = upper(a[i]);
            if (option.equals("ENTRIESADDED")) added = Ascii.text(a[i + 1]);
            else if (option.equals("MAXDELETEDID")) maxDeleted = Ascii.text(a[i + 1]);
        }
        List<String> lost = new ArrayList<>(2);
        if (added != null) lost.add("entries-added " + added);
        if (maxDeleted != null) lost.add("max-deleted-id " + maxDeleted);
        return new Rewritten(ParsedCommand.of(new byte[][] {a[0], a[1], a[2]}),
                "stream " + String.join(" and ", lost) + " not kept (Dragonfly's XSETID takes no ENTRIESADDED/MAXDELETEDID)");
    }

    /** XGROUP CREATE key group id [MKSTREAM] [ENTRIESREAD n]: Dragonfly takes the option and ignores it. */
    private static Rewritten xgroupCreate(ServerInfo target, ParsedCommand c) {
        byte[][] a = c.args();
        if (a.length < 5) return null;
        for (int i = 5; i + 1 < a.length; i++) {
            if ("ENTRIESREAD".equals(upper(a[i]))) {
                return new Rewritten(c, "consumer group " + new String(a[3], StandardCharsets.UTF_8) + ": entries-read "
                        + Ascii.text(a[i + 1]) + " not kept (" + target.describe() + " ignores XGROUP CREATE ... ENTRIESREAD); "
                        + "its lag is estimated");
            }
        }
        return null;
    }

    private static String upper(byte[] word) {
        return new String(word, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    }
}
