package dev.ferry.command;

import static dev.ferry.command.Args.cmd;
import static dev.ferry.command.Args.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CommandTableSplitTest {
    @BeforeAll
    static void hashtagsFallInThreeSlots() {
        assertThat(List.of(slot("{a}"), slot("{b}"), slot("{c}"))).doesNotHaveDuplicates();
    }

    @Test
    void msetAcrossThreeSlotsBecomesOneMsetPerSlotInFirstSeenOrder() {
        List<byte[][]> parts = CommandTable.splitBySlot(
                cmd("MSET", "{a}1", "x", "{b}1", "y", "{a}2", "z", "{c}1", "w", "{b}2", "v"), Slots::of);
        assertThat(words(parts)).containsExactly(
                List.of("MSET", "{a}1", "x", "{a}2", "z"),
                List.of("MSET", "{b}1", "y", "{b}2", "v"),
                List.of("MSET", "{c}1", "w"));
    }

    @Test
    void msetnxSplitsIntoMsets() {
        List<byte[][]> parts = CommandTable.splitBySlot(cmd("msetnx", "{a}1", "x", "{b}1", "y"), Slots::of);
        assertThat(words(parts)).containsExactly(List.of("MSET", "{a}1", "x"), List.of("MSET", "{b}1", "y"));
    }

    @Test
    void keyListsSplitPerSlotKeepingTheCommandName() {
        assertThat(words(CommandTable.splitBySlot(cmd("DEL", "{b}1", "{a}1", "{b}2", "{a}2"), Slots::of)))
                .containsExactly(List.of("DEL", "{b}1", "{b}2"), List.of("DEL", "{a}1", "{a}2"));
        assertThat(words(CommandTable.splitBySlot(cmd("unlink", "{a}1", "{c}1"), Slots::of)))
                .containsExactly(List.of("unlink", "{a}1"), List.of("unlink", "{c}1"));
        assertThat(words(CommandTable.splitBySlot(cmd("TOUCH", "{c}1", "{b}1", "{c}2"), Slots::of)))
                .containsExactly(List.of("TOUCH", "{c}1", "{c}2"), List.of("TOUCH", "{b}1"));
    }

    @Test
    void commandsRelatingKeysInDifferentSlotsCannotBeSplit() {
        assertThat(CommandTable.splitBySlot(cmd("RENAME", "{a}x", "{b}x"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("SMOVE", "{a}x", "{b}x", "m"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("LMOVE", "{a}x", "{b}x", "LEFT", "RIGHT"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("SUNIONSTORE", "{a}d", "{a}s", "{b}s"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("ZUNIONSTORE", "{a}d", "2", "{a}s", "{c}s"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("PFMERGE", "{a}d", "{b}s"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("BITOP", "OR", "{a}d", "{b}s"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("COPY", "{a}x", "{b}x"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("EVAL", "return 1", "2", "{a}x", "{b}x"), Slots::of)).isNull();
    }

    @Test
    void keysSharingASlotLeaveTheCommandAsItIs() {
        byte[][] rename = cmd("RENAME", "{a}x", "{a}y");
        List<byte[][]> same = CommandTable.splitBySlot(rename, Slots::of);
        assertThat(same).hasSize(1);
        assertThat(same.get(0)).isSameAs(rename);

        byte[][] msetnx = cmd("MSETNX", "{a}x", "1", "{a}y", "2");
        assertThat(CommandTable.splitBySlot(msetnx, Slots::of).get(0)).isSameAs(msetnx);

        byte[][] set = cmd("SET", "k", "v");
        assertThat(CommandTable.splitBySlot(set, Slots::of).get(0)).isSameAs(set);
        byte[][] flush = cmd("FLUSHALL");
        assertThat(CommandTable.splitBySlot(flush, Slots::of).get(0)).isSameAs(flush);
    }

    @Test
    void unknownCommandsCannotBeSplit() {
        assertThat(CommandTable.splitBySlot(cmd("JSON.MSET", "{a}x", "$", "1", "{b}x", "$", "2"), Slots::of)).isNull();
        assertThat(CommandTable.splitBySlot(cmd("MSET", "a", "1", "b"), Slots::of)).isNull();
    }

    @Test
    void anySlotFunctionCanBeUsed() {
        List<byte[][]> parts = CommandTable.splitBySlot(cmd("DEL", "a1", "b1", "a2"), key -> key[0]);
        assertThat(words(parts)).containsExactly(List.of("DEL", "a1", "a2"), List.of("DEL", "b1"));
    }

    private static int slot(String key) {
        return Slots.of(key.getBytes(StandardCharsets.UTF_8));
    }
}
