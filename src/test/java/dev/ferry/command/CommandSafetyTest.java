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

    /** As the writer asks for a live command: through its parsed form, by its canonical name. */
    private static boolean resetsKey(byte[][] args) {
        return ParsedCommand.of(args).resetsKey();
    }

    private static boolean repeatable(byte[][] args) {
        return ParsedCommand.of(args).repeatable();
    }

    @Test
    void keyResetsAreWhatReplacesTheWholeValue() {
        assertThat(resetsKey(cmd("DEL", "k"))).isTrue();
        assertThat(resetsKey(cmd("SET", "k", "v"))).isTrue();
        assertThat(resetsKey(cmd("SET", "k", "NX"))).as("a value spelled NX is not the option").isTrue();
        assertThat(resetsKey(cmd("SET", "k", "v", "NX"))).isFalse();
        assertThat(resetsKey(cmd("RESTORE", "k", "0", "payload", "REPLACE", "ABSTTL"))).isTrue();
        assertThat(resetsKey(cmd("RESTORE", "k", "0", "REPLACE", "ABSTTL"))).as("payload, not option").isFalse();
        assertThat(resetsKey(cmd("RPUSH", "k", "a"))).isFalse();
    }

    @Test
    void onlyCommandsWithTheSameOutcomeTwiceAreRepeatable() {
        for (String c : new String[] {"HSET", "SADD", "ZADD", "PEXPIREAT", "XSETID", "XCLAIM", "SET", "RESTORE"}) {
            assertThat(repeatable(cmd(c, "k", "x", "y"))).as(c).isTrue();
        }
        for (String c : new String[] {"RPUSH", "APPEND", "XADD", "XGROUP"}) {
            assertThat(repeatable(cmd(c, "k", "x", "y"))).as(c).isFalse();
        }
    }

    @Test
    void namesAreCanonicalNamesNotTheBytesAsSent() {
        assertThat(resetsKey(cmd("del", "k"))).as("a live command in any case").isTrue();
        assertThat(repeatable(cmd("RESTORE-ASKING", "k", "0", "payload"))).as("slot migration's RESTORE").isTrue();
        assertThat(resetsKey(cmd("restore-asking", "k", "0", "payload", "REPLACE"))).isTrue();
        assertThat(CommandSafety.repeatable("HSET", cmd("HSET", "k", "f", "v"))).as("a command the writer built").isTrue();
        assertThat(CommandSafety.resetsKey("RPUSH", cmd("RPUSH", "k", "a"))).isFalse();
    }
}
