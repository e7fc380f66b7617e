package dev.ferry.command;

import static dev.ferry.command.KeyFinder.at;
import static dev.ferry.command.KeyFinder.counted;
import static dev.ferry.command.KeyFinder.pairs;
import static dev.ferry.command.KeyFinder.rest;
import static dev.ferry.command.KeyFinder.run;
import static dev.ferry.command.ValueType.HASH;
import static dev.ferry.command.ValueType.LIST;
import static dev.ferry.command.ValueType.SET;
import static dev.ferry.command.ValueType.STREAM;
import static dev.ferry.command.ValueType.STRING;
import static dev.ferry.command.ValueType.ZSET;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The rows: every command a Redis 5 to 7.4 master can put in its replication stream (key positions from the
 * key specs in Redis's src/commands/*.json), the forms Redis rewrites away but older or odd masters may still
 * send verbatim, a few newer Redis 8 hash and stream writes, and the Dragonfly journal commands a Redis table
 * can still place by key.
 */
final class CommandSpecs {
    /** Commands looked up together with their subcommand, as "NAME SUB". */
    private static final Set<String> CONTAINERS = Set.of("FUNCTION", "SCRIPT", "XGROUP");

    private static final Map<String, CommandSpec> ROWS = new HashMap<>();

    static {
        KeyFinder key = at(1);
        KeyFinder srcDst = at(1, 2);

        keyed(STRING, key, "SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "APPEND", "SETRANGE",
                "INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "SETBIT", "BITFIELD", "PFADD");
        keyed(STRING, pairs(1), SlotSplit.KEY_VALUE_PAIRS, "MSET", "MSETNX");
        keyed(STRING, rest(2), "BITOP");
        keyed(STRING, rest(1), "PFMERGE");
        // PFCOUNT refreshes the cardinality cached in the HLL and Redis replicates that refresh.
        keyed(STRING, rest(1), "PFCOUNT");
        keyed(STRING, at(2), "PFDEBUG");

        keyed(LIST, key, "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LINSERT", "LSET", "LREM", "LTRIM", "LPOP", "RPOP");
        keyed(LIST, srcDst, "RPOPLPUSH", "LMOVE", "BLMOVE", "BRPOPLPUSH");
        keyed(LIST, run(1, 1), "BLPOP", "BRPOP");
        keyed(LIST, counted(1), "LMPOP");
        keyed(LIST, counted(2), "BLMPOP");
        keyed(LIST, OptionKeys::sort, "SORT");

        keyed(SET, key, "SADD", "SREM", "SPOP", "SADDEX");
        keyed(SET, srcDst, "SMOVE");
        keyed(SET, rest(1), "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE");

        keyed(ZSET, key, "ZADD", "ZINCRBY", "ZREM", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYLEX",
                "ZPOPMIN", "ZPOPMAX", "GEOADD");
        keyed(ZSET, run(1, 1), "BZPOPMIN", "BZPOPMAX");
        keyed(ZSET, counted(1), "ZMPOP");
        keyed(ZSET, counted(2), "BZMPOP");
        keyed(ZSET, counted(2, 1), "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE");
        keyed(ZSET, srcDst, "ZRANGESTORE", "GEOSEARCHSTORE");
        keyed(ZSET, OptionKeys.geoRadius(6), "GEORADIUS");
        keyed(ZSET, OptionKeys.geoRadius(5), "GEORADIUSBYMEMBER");

        keyed(HASH, key, "HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY", "HINCRBYFLOAT",
                "HEXPIRE", "HPEXPIRE", "HEXPIREAT", "HPEXPIREAT", "HPERSIST", "HGETDEL", "HGETEX", "HSETEX");

        keyed(STREAM, key, "XADD", "XDEL", "XTRIM", "XACK", "XCLAIM", "XAUTOCLAIM", "XSETID", "XDELEX", "XACKDEL");
        keyed(STREAM, at(2), "XGROUP CREATE", "XGROUP SETID", "XGROUP DESTROY", "XGROUP CREATECONSUMER",
                "XGROUP DELCONSUMER");
        keyed(STREAM, OptionKeys::xreadgroup, "XREADGROUP");

        // Dragonfly's FIELDEXPIRE sets member TTLs in a hash or a set alike.
        keyed(null, key, "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "MOVE", "RESTORE",
                "RESTORE-ASKING", "FIELDEXPIRE");
        keyed(null, srcDst, "RENAME", "RENAMENX", "COPY");
        keyed(null, rest(1), SlotSplit.EACH_KEY, "DEL", "UNLINK", "TOUCH");
        keyed(null, counted(2), "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO");

        keyless(CommandKind.FLUSH, "FLUSHALL", "FLUSHDB");
        keyless(CommandKind.FUNCTION, "FUNCTION LOAD", "FUNCTION DELETE", "FUNCTION FLUSH", "FUNCTION RESTORE");
        keyless(CommandKind.SCRIPT, "SCRIPT LOAD", "SCRIPT FLUSH");
        keyless(CommandKind.SWAPDB, "SWAPDB");
        keyless(CommandKind.DROP, "PING", "PUBLISH", "SPUBLISH", "REPLCONF");
        keyless(CommandKind.SELECT, "SELECT");
        keyless(CommandKind.MULTI, "MULTI");
        keyless(CommandKind.EXEC, "EXEC");
    }

    private CommandSpecs() {
    }

    /** The row for the command, or null when it is not in the table. */
    static CommandSpec lookup(byte[][] args) {
        if (args.length == 0) return null;
        String name = Ascii.upper(args[0]);
        if (name == null) return null;
        if (CONTAINERS.contains(name)) {
            if (args.length < 2) return null;
            String sub = Ascii.upper(args[1]);
            if (sub == null) return null;
            name = name + ' ' + sub;
        }
        return ROWS.get(name);
    }

    private static void keyed(ValueType type, KeyFinder keys, String... names) {
        keyed(type, keys, SlotSplit.NONE, names);
    }

    private static void keyed(ValueType type, KeyFinder keys, SlotSplit split, String... names) {
        for (String n : names) add(new CommandSpec(n, CommandKind.KEYED, keys, type, split));
    }

    private static void keyless(CommandKind kind, String... names) {
        for (String n : names) add(new CommandSpec(n, kind, KeyFinder.none(), null, SlotSplit.NONE));
    }

    private static void add(CommandSpec spec) {
        if (ROWS.put(spec.name(), spec) != null) throw new IllegalStateException("two rows for " + spec.name());
    }
}
