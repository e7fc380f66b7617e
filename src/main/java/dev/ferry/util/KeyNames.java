package dev.ferry.util;

import java.nio.charset.StandardCharsets;

/** Shows binary-safe key names in messages: printable ASCII as is, anything else as \xHH, long ones cut. */
public final class KeyNames {
    private static final int MAX_SHOWN = 120;

    private KeyNames() {
    }

    public static String quote(byte[] key) {
        StringBuilder sb = new StringBuilder(Math.min(key.length, MAX_SHOWN) + 8).append('"');
        int n = Math.min(key.length, MAX_SHOWN);
        for (int i = 0; i < n; i++) {
            int b = key[i] & 0xff;
            if (b == '"' || b == '\\') sb.append('\\').append((char) b);
            else if (b >= 0x20 && b < 0x7f) sb.append((char) b);
            else sb.append(String.format("\\x%02x", b));
        }
        sb.append('"');
        if (key.length > MAX_SHOWN) sb.append("…(").append(key.length).append(" bytes)");
        return sb.toString();
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
