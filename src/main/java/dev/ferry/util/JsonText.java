package dev.ferry.util;

/**
 * JSON string content for the reports: printable ASCII as is, quote and backslash escaped, every other
 * character as \\u00XX, so a key given one character per byte survives exactly.
 */
public final class JsonText {
    private JsonText() {
    }

    public static void append(StringBuilder sb, char c) {
        if (c == '"' || c == '\\') {
            sb.append('\\').append(c);
        } else if (c >= 0x20 && c < 0x7f) {
            sb.append(c);
        } else {
            sb.append(String.format("\\u%04x", (int) c));
        }
    }

    /** {@code s} as a quoted JSON string. */
    public static String quoted(CharSequence s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) append(sb, s.charAt(i));
        return sb.append('"').toString();
    }
}
