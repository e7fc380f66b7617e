package dev.ferry.source.dragonfly;

import dev.ferry.rdb.Crc64;
import dev.ferry.record.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a Dragonfly journal command becomes on a Redis-protocol target. The master already journals
 * deterministic forms (PXAT, PEXPIREAT, pop + push...); what is left is Dragonfly's own vocabulary: the
 * {@code STICK} and {@code _MCFLAGS} tokens (no Redis equivalent, dropped), {@code RESTORE} payloads in
 * Dragonfly's DUMP format (re-read as a value, so the writer encodes it for the target), and commands only
 * Dragonfly has (reported per key, never sent to fail there).
 */
final class JournalTranslation {
    sealed interface Result permits Apply, Restore, Drop, Refuse {
    }

    /** The command to send; {@code warning} says what of the source's effect it cannot carry, or is null. */
    record Apply(byte[][] args, String warning) implements Result {
        Apply(byte[][] args) {
            this(args, null);
        }
    }

    record Restore(KeyValue value) implements Result {
    }

    record Drop(String why) implements Result {
    }

    record Refuse(byte[] key, String reason) implements Result {
    }

    /** Commands with Dragonfly's semantics only; HSETEX is listed because Redis 8's has a different syntax. */
    private static final Set<String> DRAGONFLY_ONLY = Set.of("SADDEX", "FIELDEXPIRE", "HSETEX", "DFLYCLUSTER");
    private static final Set<String> MODULE_PREFIXES = Set.of("JSON.", "BF.", "CF.", "CMS.", "TOPK.", "FT.");

    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ONE = "1".getBytes(StandardCharsets.US_ASCII);
    /**
     * Dragonfly journals INCRBYFLOAT as is and computes it in double precision, printing the shortest text that
     * reads back as the same double; Redis computes in long double (4.64 where Dragonfly has 4.640000000000001).
     * Lua numbers are doubles, so this gives the master's result. The key keeps its TTL, as with INCRBYFLOAT.
     */
    private static final byte[] INCRBYFLOAT_AS_DRAGONFLY = ("local cur = redis.call('GET', KEYS[1]) "
            + "local v = (cur and tonumber(cur) or 0) + tonumber(ARGV[1]) "
            + "local s = string.format('%.17g', v) "
            + "for p = 1, 17 do local t = string.format('%.' .. p .. 'g', v) if tonumber(t) == v then s = t break end end "
            + "redis.call('SET', KEYS[1], s, 'KEEPTTL') return s").getBytes(StandardCharsets.US_ASCII);

    private JournalTranslation() {
    }

    static Result translate(int db, byte[][] args, dev.ferry.record.Position position, boolean targetHasJson) {
        String name = new String(args[0], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        switch (name) {
            case "STICK":
                return new Drop("STICK pins keys against eviction on Dragonfly; Redis has no such flag");
            case "SET": {
                byte[][] stripped = stripSetTokens(args);
                String mc = mcFlags(args);
                return new Apply(stripped, mc == null ? null : "memcached flags " + mc + " not kept: Redis has no place for them");
            }
            case "RESTORE":
                return restore(db, args, position);
            case "INCRBYFLOAT":
                return args.length == 3 ? new Apply(new byte[][] {EVAL, INCRBYFLOAT_AS_DRAGONFLY, ONE, args[1], args[2]})
                        : new Apply(args);
            default:
                break;
        }
        byte[] key = args.length > 1 ? args[1] : args[0];
        if (DRAGONFLY_ONLY.contains(name)) {
            return new Refuse(key, "Dragonfly-only command " + name + " has no equivalent on the target");
        }
        int dot = name.indexOf('.');
        if (dot > 0 && MODULE_PREFIXES.contains(name.substring(0, dot + 1))) {
            if (name.startsWith("JSON.") && targetHasJson) return new Apply(args);
            return new Refuse(key, "Dragonfly " + name + " needs a module the target does not have (or Ferry cannot convert)");
        }
        return new Apply(args);
    }

    private static String mcFlags(byte[][] args) {
        for (int i = 3; i + 1 < args.length; i++) {
            if (new String(args[i], StandardCharsets.US_ASCII).equalsIgnoreCase("_MCFLAGS")) {
                String v = new String(args[i + 1], StandardCharsets.US_ASCII);
                return v.equals("0") ? null : v;
            }
        }
        return null;
    }

    /** {@code SET k v ... [STICK] [_MCFLAGS n]}: both are Dragonfly's; the rest is Redis syntax. */
    private static byte[][] stripSetTokens(byte[][] args) {
        List<byte[]> out = null;
        for (int i = 3; i < args.length; i++) {
            String t = new String(args[i], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
            if (t.equals("STICK") || t.equals("_MCFLAGS")) {
                if (out == null) {
                    out = new ArrayList<>(args.length);
                    for (int k = 0; k < i; k++) out.add(args[k]);
                }
                if (t.equals("_MCFLAGS")) i++;
                continue;
            }
            if (out != null) out.add(args[i]);
        }
        return out == null ? args : out.toArray(new byte[0][]);
    }

    /**
     * {@code RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] [STICK]} with a payload in Dragonfly's
     * DUMP format: the type byte and value as in its snapshot, then a 2-byte RDB version and a CRC-64.
     */
    private static Result restore(int db, byte[][] args, dev.ferry.record.Position position) {
        if (args.length < 4) return new Refuse(args.length > 1 ? args[1] : args[0], "RESTORE with too few arguments");
        byte[] key = args[1];
        byte[] payload = args[3];
        if (payload.length < 11) return new Refuse(key, "RESTORE payload of " + payload.length + " bytes is too short");
        int body = payload.length - 10;
        long stored = 0;
        for (int i = 7; i >= 0; i--) stored = (stored << 8) | (payload[body + 2 + i] & 0xff);
        long crc = Crc64.update(0, payload, 0, body + 2);
        if (stored != 0 && stored != crc) return new Refuse(key, "RESTORE payload fails its CRC-64 check");
        int version = (payload[body] & 0xff) | (payload[body + 1] & 0xff) << 8;
        boolean absolute = false;
        for (int i = 4; i < args.length; i++) {
            if (new String(args[i], StandardCharsets.US_ASCII).equalsIgnoreCase("ABSTTL")) absolute = true;
        }
        long ttl;
        try {
            ttl = Long.parseLong(new String(args[2], StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return new Refuse(key, "RESTORE with a TTL that is not a number");
        }
        long expireAt = ttl <= 0 ? -1 : absolute ? ttl : System.currentTimeMillis() + ttl;
        int type = payload[0] & 0xff;
        if (dev.ferry.command.ValueType.ofRdbType(type) == null) {
            return new Refuse(key, "RESTORE of unknown value type " + type);
        }
        byte[] value = java.util.Arrays.copyOf(payload, body);
        return new Restore(new KeyValue(db, key, type, expireAt, value, version, position));
    }
}
