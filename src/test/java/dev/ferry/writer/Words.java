package dev.ferry.writer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Commands written as words, and back, so that assertions read like the commands they check. */
final class Words {
    private Words() {
    }

    static byte[][] cmd(String... words) {
        byte[][] a = new byte[words.length][];
        for (int i = 0; i < words.length; i++) a[i] = words[i].getBytes(StandardCharsets.UTF_8);
        return a;
    }

    static List<String> words(byte[][] args) {
        List<String> out = new ArrayList<>();
        for (byte[] a : args) out.add(new String(a, StandardCharsets.UTF_8));
        return out;
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
