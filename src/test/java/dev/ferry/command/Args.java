package dev.ferry.command;

import dev.ferry.testkit.Words;
import java.util.List;

/** The shared word helpers ({@link Words}), and where the command table finds a command's keys. */
final class Args {
    private Args() {
    }

    static byte[][] cmd(String... words) {
        return Words.cmd(words);
    }

    static List<String> words(byte[][] args) {
        return Words.words(args);
    }

    static List<List<String>> words(List<byte[][]> commands) {
        return Words.words(commands);
    }

    static int[] keys(String... words) {
        return CommandTable.keyIndexes(cmd(words));
    }
}
