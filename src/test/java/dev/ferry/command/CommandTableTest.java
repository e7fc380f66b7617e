package dev.ferry.command;

import static dev.ferry.command.Args.cmd;
import static dev.ferry.command.Args.keys;
import static dev.ferry.command.Args.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.command.ValueType;
import org.junit.jupiter.api.Test;

class CommandTableTest {
    @Test
    void everyWriteARedisMasterReplicatesIsKnown() {
        String[] writes = {"SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "APPEND", "SETRANGE",
            "INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "MSET", "MSETNX", "SETBIT", "BITFIELD", "BITOP",
            "PFADD", "PFMERGE", "PFCOUNT", "PFDEBUG",
            "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LINSERT", "LSET", "LREM", "LTRIM", "LPOP", "RPOP", "RPOPLPUSH",
            "LMOVE", "BLMOVE", "BRPOPLPUSH", "BLPOP", "BRPOP", "LMPOP", "BLMPOP",
            "SADD", "SREM", "SPOP", "SMOVE", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE",
            "ZADD", "ZINCRBY", "ZREM", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX",
            "BZPOPMIN", "BZPOPMAX", "ZMPOP", "BZMPOP", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZRANGESTORE",
            "HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY", "HINCRBYFLOAT", "HEXPIRE", "HPEXPIRE", "HEXPIREAT",
            "HPEXPIREAT", "HPERSIST",
            "XADD", "XDEL", "XTRIM", "XACK", "XCLAIM", "XAUTOCLAIM", "XSETID", "XREADGROUP",
            "GEOADD", "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCHSTORE",
            "DEL", "UNLINK", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "RENAME", "RENAMENX", "MOVE",
            "COPY", "RESTORE", "RESTORE-ASKING", "TOUCH", "SORT", "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO",
            "FCALL", "FCALL_RO"};
        for (String c : writes) assertThat(CommandTable.kind(cmd(c, "k"))).as(c).isEqualTo(CommandKind.KEYED);
        for (String sub : new String[] {"CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER"}) {
            assertThat(CommandTable.kind(cmd("XGROUP", sub, "k"))).as(sub).isEqualTo(CommandKind.KEYED);
        }
    }

    @Test
    void dragonflyJournalFormsKeepTheirKeyFirst() {
        assertThat(keys("SET", "k", "v", "PXAT", "1700000000000", "STICK")).containsExactly(1);
        assertThat(keys("SET", "k", "v", "_MCFLAGS", "7")).containsExactly(1);
        assertThat(keys("RESTORE", "k", "0", "dump", "REPLACE", "ABSTTL", "STICK")).containsExactly(1);
        assertThat(keys("SADDEX", "k", "30", "a", "b")).containsExactly(1);
        assertThat(type("SADDEX", "k", "30", "a")).isEqualTo(ValueType.SET);
        assertThat(keys("HSETEX", "k", "30", "f", "v")).containsExactly(1);
        assertThat(type("HSETEX", "k", "30", "f", "v")).isEqualTo(ValueType.HASH);
        assertThat(keys("FIELDEXPIRE", "k", "30", "f")).containsExactly(1);
        assertThat(type("FIELDEXPIRE", "k", "30", "f")).as("hash fields or set members").isNull();
        assertThat(CommandTable.kind(cmd("DFLYCLUSTER", "FLUSHSLOTS", "0", "100"))).isEqualTo(CommandKind.UNKNOWN);
    }

    @Test
    void singleKeyWritesHaveTheirKeyFirst() {
        for (String c : new String[] {"SET", "SETNX", "GETSET", "APPEND", "INCRBY", "SETBIT", "BITFIELD", "PFADD",
                "LPUSH", "LSET", "LTRIM", "LPOP", "SADD", "SPOP", "ZADD", "ZREMRANGEBYLEX", "ZPOPMAX", "GEOADD",
                "HSET", "HDEL", "HINCRBYFLOAT", "HPEXPIREAT", "HPERSIST", "XADD", "XTRIM", "XCLAIM", "XSETID",
                "EXPIRE", "PEXPIREAT", "PERSIST", "MOVE", "RESTORE", "RESTORE-ASKING"}) {
            assertThat(keys(c, "k", "a", "b", "c")).as(c).containsExactly(1);
        }
        assertThat(keys("getdel", "k")).containsExactly(1);
        assertThat(keys("PFDEBUG", "GETREG", "hll")).containsExactly(2);
    }

    @Test
    void twoKeyCommandsNameSourceThenDestination() {
        for (String c : new String[] {"RENAME", "RENAMENX", "RPOPLPUSH", "SMOVE", "ZRANGESTORE"}) {
            assertThat(keys(c, "src", "dst", "x")).as(c).containsExactly(1, 2);
        }
        assertThat(keys("LMOVE", "src", "dst", "LEFT", "RIGHT")).containsExactly(1, 2);
        assertThat(keys("BRPOPLPUSH", "src", "dst", "0")).containsExactly(1, 2);
        assertThat(keys("GEOSEARCHSTORE", "dst", "src", "FROMMEMBER", "m", "BYRADIUS", "1", "km")).containsExactly(1, 2);
        assertThat(keys("COPY", "src", "dst", "DB", "3", "REPLACE")).as("DB n names a database, not a key")
                .containsExactly(1, 2);
    }

    @Test
    void variadicKeysRunToTheEndOrStopBeforeTheTimeout() {
        assertThat(keys("DEL", "a", "b", "c")).containsExactly(1, 2, 3);
        assertThat(keys("UNLINK", "a")).containsExactly(1);
        assertThat(keys("TOUCH", "a", "b")).containsExactly(1, 2);
        assertThat(keys("MSET", "a", "1", "b", "2")).containsExactly(1, 3);
        assertThat(keys("MSETNX", "a", "1", "b", "2", "c", "3")).containsExactly(1, 3, 5);
        assertThat(keys("BITOP", "AND", "dst", "s1", "s2")).containsExactly(2, 3, 4);
        assertThat(keys("PFMERGE", "dst", "s1", "s2")).containsExactly(1, 2, 3);
        assertThat(keys("SUNIONSTORE", "dst", "s1", "s2")).containsExactly(1, 2, 3);
        assertThat(keys("BLPOP", "a", "b", "0")).containsExactly(1, 2);
        assertThat(keys("BZPOPMIN", "a", "1.5")).containsExactly(1);
    }

    @Test
    void countedKeysFollowTheirCount() {
        assertThat(keys("ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2")).containsExactly(1, 3, 4);
        assertThat(keys("ZINTERSTORE", "dst", "1", "a", "AGGREGATE", "MAX")).containsExactly(1, 3);
        assertThat(keys("ZDIFFSTORE", "dst", "2", "a", "b")).containsExactly(1, 3, 4);
        assertThat(keys("LMPOP", "2", "a", "b", "LEFT", "COUNT", "3")).containsExactly(2, 3);
        assertThat(keys("BLMPOP", "0", "2", "a", "b", "RIGHT")).containsExactly(3, 4);
        assertThat(keys("ZMPOP", "1", "z", "MIN")).containsExactly(2);
        assertThat(keys("BZMPOP", "1.5", "3", "x", "y", "z", "MAX")).containsExactly(3, 4, 5);
        assertThat(keys("EVAL", "return 1", "2", "k1", "k2", "arg")).containsExactly(3, 4);
        assertThat(keys("evalsha", "abc", "0", "arg")).isEmpty();
        assertThat(keys("FCALL", "fn", "1", "k", "a")).containsExactly(3);
        assertThat(keys("EVAL_RO", "return 1", "1", "k")).containsExactly(3);
    }

    @Test
    void storeTargetsAreFoundAmongOptions() {
        assertThat(keys("GEORADIUS", "g", "15", "37", "200", "km", "ASC", "STORE", "out")).containsExactly(1, 8);
        assertThat(keys("GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "out")).containsExactly(1, 7);
        assertThat(keys("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "a", "STOREDIST", "b"))
                .as("the last store option wins, as in Redis").containsExactly(1, 9);
        assertThat(keys("GEORADIUSBYMEMBER", "g", "m", "5", "km", "COUNT", "3", "STORE", "out")).containsExactly(1, 8);
        assertThat(keys("GEORADIUSBYMEMBER", "g", "m", "5", "km")).containsExactly(1);

        assertThat(keys("SORT", "src", "BY", "w_*", "LIMIT", "0", "10", "GET", "o_*", "ALPHA", "STORE", "dst"))
                .containsExactly(1, 11);
        assertThat(keys("SORT", "src", "GET", "store", "DESC")).as("a GET pattern spelled STORE").containsExactly(1);
        assertThat(keys("sort", "src", "store", "dst")).containsExactly(1, 3);
    }

    @Test
    void streamGroupsAndReadsPlaceTheirKeys() {
        assertThat(keys("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")).containsExactly(2);
        assertThat(keys("xgroup", "setid", "s", "g", "0", "ENTRIESREAD", "3")).containsExactly(2);
        assertThat(keys("XGROUP", "DESTROY", "s", "g")).containsExactly(2);
        assertThat(keys("XGROUP", "CREATECONSUMER", "s", "g", "c")).containsExactly(2);
        assertThat(keys("XGROUP", "DELCONSUMER", "s", "g", "c")).containsExactly(2);
        assertThat(keys("XGROUP", "HELP")).isNull();

        assertThat(keys("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "NOACK",
                "STREAMS", "s1", "s2", ">", ">")).containsExactly(10, 11);
        assertThat(keys("XREADGROUP", "GROUP", "STREAMS", "STREAMS", "STREAMS", "STREAMS", ">"))
                .as("group, consumer and key named STREAMS").containsExactly(5);
        assertThat(keys("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">")).as("ids do not pair").isNull();
    }

    @Test
    void keylessCommandsHaveNoKeysAndUnknownOnesHaveNone() {
        for (String[] c : new String[][] {{"FLUSHALL", "ASYNC"}, {"SELECT", "1"}, {"SWAPDB", "0", "1"},
                {"PING"}, {"MULTI"}, {"EXEC"}, {"FUNCTION", "FLUSH"}, {"SCRIPT", "LOAD", "return 1"},
                {"PUBLISH", "ch", "m"}}) {
            assertThat(keys(c)).as(c[0]).isEmpty();
            assertThat(CommandTable.isKeyless(cmd(c))).as(c[0]).isTrue();
        }
        assertThat(CommandTable.isKeyless(cmd("SET", "k", "v"))).isFalse();
        assertThat(keys("JSON.SET", "k", "$", "{}")).isNull();
        assertThat(CommandTable.isKeyless(cmd("JSON.SET", "k", "$", "{}"))).isFalse();
        assertThat(CommandTable.keyIndexes(new byte[0][])).isNull();
    }

    @Test
    void argumentsTheMasterWouldRefuseHaveNoKnownKeys() {
        assertThat(keys("SET")).isNull();
        assertThat(keys("DEL")).isNull();
        assertThat(keys("MSET", "a", "1", "b")).isNull();
        assertThat(keys("RENAME", "a")).isNull();
        assertThat(keys("ZUNIONSTORE", "dst", "3", "a", "b")).isNull();
        assertThat(keys("EVAL", "return 1", "x")).isNull();
        assertThat(keys("LMPOP", "-1", "a")).isNull();
        assertThat(keys("BLPOP", "0")).isNull();
    }

    @Test
    void kindsIgnoreCaseOfNamesAndSubcommands() {
        assertThat(CommandTable.kind(cmd("set", "k", "v"))).isEqualTo(CommandKind.KEYED);
        assertThat(CommandTable.kind(cmd("FLUSHALL"))).isEqualTo(CommandKind.FLUSH);
        assertThat(CommandTable.kind(cmd("flushall", "ASYNC"))).isEqualTo(CommandKind.FLUSH);
        assertThat(CommandTable.kind(cmd("FlushDB", "sync"))).isEqualTo(CommandKind.FLUSH);
        for (String sub : new String[] {"LOAD", "load", "Delete", "FLUSH", "restore"}) {
            assertThat(CommandTable.kind(cmd("function", sub, "x"))).as(sub).isEqualTo(CommandKind.FUNCTION);
        }
        assertThat(CommandTable.kind(cmd("FUNCTION", "LIST"))).isEqualTo(CommandKind.UNKNOWN);
        assertThat(CommandTable.kind(cmd("FUNCTION"))).isEqualTo(CommandKind.UNKNOWN);
        assertThat(CommandTable.kind(cmd("script", "load", "return 1"))).isEqualTo(CommandKind.SCRIPT);
        assertThat(CommandTable.kind(cmd("SCRIPT", "FLUSH", "ASYNC"))).isEqualTo(CommandKind.SCRIPT);
        assertThat(CommandTable.kind(cmd("SCRIPT", "EXISTS", "abc"))).isEqualTo(CommandKind.UNKNOWN);
        assertThat(CommandTable.kind(cmd("SWAPDB", "0", "1"))).isEqualTo(CommandKind.SWAPDB);
        assertThat(CommandTable.kind(cmd("select", "2"))).isEqualTo(CommandKind.SELECT);
        assertThat(CommandTable.kind(cmd("multi"))).isEqualTo(CommandKind.MULTI);
        assertThat(CommandTable.kind(cmd("EXEC"))).isEqualTo(CommandKind.EXEC);
        for (String c : new String[] {"PING", "PUBLISH", "SPUBLISH", "REPLCONF"}) {
            assertThat(CommandTable.kind(cmd(c, "x", "y"))).as(c).isEqualTo(CommandKind.DROP);
        }
        assertThat(CommandTable.kind(cmd("XGROUP", "createconsumer", "s", "g", "c"))).isEqualTo(CommandKind.KEYED);
        assertThat(CommandTable.kind(cmd("EVAL", "return 1", "0"))).isEqualTo(CommandKind.KEYED);
        assertThat(CommandTable.kind(cmd("BF.ADD", "k", "x"))).isEqualTo(CommandKind.UNKNOWN);
        assertThat(CommandTable.kind(new byte[0][])).isEqualTo(CommandKind.UNKNOWN);
    }

    @Test
    void valueTypeIsWhatTheCommandWrites() {
        assertThat(type("SET", "k", "v")).isEqualTo(ValueType.STRING);
        assertThat(type("incr", "k")).isEqualTo(ValueType.STRING);
        assertThat(type("APPEND", "k", "v")).isEqualTo(ValueType.STRING);
        assertThat(type("PFADD", "k", "x")).isEqualTo(ValueType.STRING);
        assertThat(type("BITOP", "OR", "d", "a")).isEqualTo(ValueType.STRING);
        assertThat(type("RPUSH", "k", "x")).isEqualTo(ValueType.LIST);
        assertThat(type("LMOVE", "a", "b", "LEFT", "LEFT")).isEqualTo(ValueType.LIST);
        assertThat(type("SORT", "k", "STORE", "d")).isEqualTo(ValueType.LIST);
        assertThat(type("SINTERSTORE", "d", "a")).isEqualTo(ValueType.SET);
        assertThat(type("ZADD", "k", "1", "m")).isEqualTo(ValueType.ZSET);
        assertThat(type("GEOADD", "k", "13.3", "38.1", "m")).isEqualTo(ValueType.ZSET);
        assertThat(type("GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYBOX", "1", "1", "km")).isEqualTo(ValueType.ZSET);
        assertThat(type("ZUNIONSTORE", "d", "1", "a")).isEqualTo(ValueType.ZSET);
        assertThat(type("HSET", "k", "f", "v")).isEqualTo(ValueType.HASH);
        assertThat(type("HEXPIRE", "k", "10", "FIELDS", "1", "f")).isEqualTo(ValueType.HASH);
        assertThat(type("XADD", "k", "*", "f", "v")).isEqualTo(ValueType.STREAM);
        assertThat(type("XGROUP", "CREATE", "k", "g", "$")).isEqualTo(ValueType.STREAM);
        for (String c : new String[] {"DEL", "UNLINK", "EXPIRE", "PEXPIREAT", "PERSIST", "RENAME", "COPY", "MOVE",
                "RESTORE", "TOUCH"}) {
            assertThat(type(c, "k", "1", "2")).as(c).isNull();
        }
        assertThat(type("EVAL", "return 1", "0")).isNull();
        assertThat(type("FLUSHALL")).isNull();
        assertThat(type("JSON.SET", "k", "$", "1")).isNull();
    }

    @Test
    void normalizeTurnsRestoreAskingIntoRestoreAndUpperCasesKnownNames() {
        byte[][] asking = cmd("RESTORE-ASKING", "k", "0", "payload", "REPLACE");
        assertThat(words(CommandTable.normalize(asking))).containsExactly("RESTORE", "k", "0", "payload", "REPLACE");
        assertThat(words(asking)).as("the input is left as it was").startsWith("RESTORE-ASKING");
        assertThat(words(CommandTable.normalize(cmd("restore-asking", "k", "0", "p")))).startsWith("RESTORE");

        byte[][] lower = cmd("set", "k", "v");
        byte[][] upper = CommandTable.normalize(lower);
        assertThat(words(upper)).containsExactly("SET", "k", "v");
        assertThat(upper[1]).isSameAs(lower[1]);
        assertThat(words(CommandTable.normalize(cmd("xgroup", "create", "s", "g", "$")))).startsWith("XGROUP", "create");
    }

    @Test
    void normalizeReturnsTheSameArrayWhenNothingChanges() {
        byte[][] set = cmd("SET", "k", "v");
        assertThat(CommandTable.normalize(set)).isSameAs(set);
        byte[][] module = cmd("json.set", "k", "$", "1");
        assertThat(CommandTable.normalize(module)).isSameAs(module);
    }

    private static ValueType type(String... words) {
        return CommandTable.valueType(cmd(words));
    }
}
