package dev.ferry.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Commands written as words, and back, so that assertions read like the commands they check. */
public final class Words {
    private Words() {
    }

    public static byte[][] cmd(String... words) {
        byte[][] a = new byte[words.length][];
        for (int i = 0; i < words.length; i++) a[i] = words[i].getBytes(StandardCharsets.UTF_8);
        return a;
    }

    public static List<String> words(byte[][] args) {
        List<String> out = new ArrayList<>();
        for (byte[] a : args) out.add(new String(a, StandardCharsets.UTF_8));
        return out;
    }

    public static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    public static List<List<String>> words(List<byte[][]> commands) {
        List<List<String>> out = new ArrayList<>();
        for (byte[][] c : commands) out.add(words(c));
        return out;
    }
}
