package dev.ferry.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandSafetyTest {
    private static byte[][] cmd(String... words) {
        byte[][] a = new byte[words.length][];
        for (int i = 0; i < words.length; i++) a[i] = words[i].getBytes(StandardCharsets.US_ASCII);
        return a;
    }

    @Test
    void keyResetsAreWhatReplacesTheWholeValue() {
        assertThat(CommandSafety.resetsKey(cmd("DEL", "k"))).isTrue();
        assertThat(CommandSafety.resetsKey(cmd("SET", "k", "v"))).isTrue();
        assertThat(CommandSafety.resetsKey(cmd("SET", "k", "NX"))).as("a value spelled NX is not the option").isTrue();
        assertThat(CommandSafety.resetsKey(cmd("SET", "k", "v", "NX"))).isFalse();
        assertThat(CommandSafety.resetsKey(cmd("RESTORE", "k", "0", "payload", "REPLACE", "ABSTTL"))).isTrue();
        assertThat(CommandSafety.resetsKey(cmd("RESTORE", "k", "0", "REPLACE", "ABSTTL"))).as("payload, not option").isFalse();
        assertThat(CommandSafety.resetsKey(cmd("RPUSH", "k", "a"))).isFalse();
    }

    @Test
    void onlyCommandsWithTheSameOutcomeTwiceAreRepeatable() {
        for (String c : new String[] {"HSET", "SADD", "ZADD", "PEXPIREAT", "XSETID", "XCLAIM", "SET", "RESTORE"}) {
            assertThat(CommandSafety.repeatable(cmd(c, "k", "x", "y"))).as(c).isTrue();
        }
        for (String c : new String[] {"RPUSH", "APPEND", "XADD", "XGROUP"}) {
            assertThat(CommandSafety.repeatable(cmd(c, "k", "x", "y"))).as(c).isFalse();
        }
    }
}
