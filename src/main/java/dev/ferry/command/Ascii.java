package dev.ferry.command;

import java.nio.charset.StandardCharsets;

/** Byte-level helpers: command names and options are ASCII and compared without regard to case. */
public final class Ascii {
    /** Longer than any command name, so junk in a name's place is not copied into a String. */
    static final int MAX_NAME = 32;

    private Ascii() {
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The word in upper case, or null when it is too long to be a command name. */
    public static String upper(byte[] word) {
        if (word.length > MAX_NAME) return null;
        char[] c = new char[word.length];
        for (int i = 0; i < word.length; i++) {
            int b = word[i] & 0xff;
            c[i] = (char) (b >= 'a' && b <= 'z' ? b - 32 : b);
        }
        return new String(c);
    }

    /** Case-insensitive equality with an upper-case ASCII word. */
    public static boolean is(byte[] word, String upper) {
        if (word.length != upper.length()) return false;
        for (int i = 0; i < word.length; i++) {
            int b = word[i] & 0xff;
            if ((b >= 'a' && b <= 'z' ? b - 32 : b) != upper.charAt(i)) return false;
        }
        return true;
    }

    /** Byte-for-byte equality with an ASCII word. */
    static boolean isExactly(byte[] word, String ascii) {
        if (word.length != ascii.length()) return false;
        for (int i = 0; i < word.length; i++) if (word[i] != ascii.charAt(i)) return false;
        return true;
    }

    /** A non-negative decimal as Redis writes counts, or -1 when the word is not one. */
    static long parseCount(byte[] word) {
        if (word.length == 0 || word.length > 10) return -1;
        long n = 0;
        for (byte b : word) {
            if (b < '0' || b > '9') return -1;
            n = n * 10 + (b - '0');
        }
        return n;
    }

    /** The bytes as text (US-ASCII; a number, a db index). */
    public static String text(byte[] word) {
        return new String(word, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
