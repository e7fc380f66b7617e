package dev.ferry.util;

import java.util.Locale;

/** Sizes in bytes as a user writes them (256mb, 1gb, 1048576) and as Ferry prints them (1.0 MB). */
public final class ByteSize {
    private static final long KB = 1024, MB = KB * 1024, GB = MB * 1024;

    private ByteSize() {
    }

    /**
     * Parses "1048576", "512kb", "256mb", "1gb" (units of 1024, as Redis reads "mb"; case-insensitive). Anything else,
     * zero or a negative size is a {@link UsageException} naming {@code option}.
     */
    public static long parse(String spec, String option) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("gb")) unit = GB;
        else if (s.endsWith("mb")) unit = MB;
        else if (s.endsWith("kb")) unit = KB;
        String digits = unit == 1 ? (s.endsWith("b") ? s.substring(0, s.length() - 1) : s) : s.substring(0, s.length() - 2);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0 || n > Long.MAX_VALUE / unit) throw new NumberFormatException();
            return n * unit;
        } catch (NumberFormatException e) {
            throw new UsageException("bad " + option + " '" + spec + "': use a size such as 256mb, 1gb or 1048576 (bytes)");
        }
    }

    /** "512 B", "1.2 kB", "1.0 MB", "2.5 GB" (units of 1024). */
    public static String human(double bytes) {
        if (bytes < KB) return String.format(Locale.ROOT, "%d B", Math.round(bytes));
        if (bytes < MB) return String.format(Locale.ROOT, "%.1f kB", bytes / KB);
        if (bytes < GB) return String.format(Locale.ROOT, "%.1f MB", bytes / MB);
        return String.format(Locale.ROOT, "%.1f GB", bytes / GB);
    }

    /** The form Redis's CONFIG SET and Ferry's options both read: "256mb", "2gb", or bytes when not whole. */
    public static String configForm(long bytes) {
        if (bytes >= GB && bytes % GB == 0) return bytes / GB + "gb";
        if (bytes >= MB && bytes % MB == 0) return bytes / MB + "mb";
        if (bytes >= KB && bytes % KB == 0) return bytes / KB + "kb";
        return Long.toString(bytes);
    }
}
