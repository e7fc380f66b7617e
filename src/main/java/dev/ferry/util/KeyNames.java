package dev.ferry.util;

/** Shows binary-safe key names in messages: printable ASCII as is, anything else as \xHH, long ones cut. */
public final class KeyNames {
    private static final int MAX_SHOWN = 120;

    private KeyNames() {
    }

    public static String quote(byte[] key) {
        return '"' + printable(key, MAX_SHOWN) + '"';
    }

    /** Printable ASCII as is, quotes and backslashes escaped, anything else as \xHH; at most {@code max} bytes. */
    public static String printable(byte[] b, int max) {
        StringBuilder sb = new StringBuilder(Math.min(b.length, max) + 8);
        int n = Math.min(b.length, max);
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c == '"' || c == '\\') sb.append('\\').append((char) c);
            else if (c >= 0x20 && c < 0x7f) sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        if (b.length > max) sb.append("...(").append(b.length).append(" bytes)");
        return sb.toString();
    }
}
