package dev.ferry.util;

import java.util.Locale;

/** A duration option's value: {@code 500ms}, {@code 2s}, {@code 1m}, or a plain number of seconds. */
public final class Millis {
    private Millis() {
    }

    public static long parse(String text, String option) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        long unit = 1000;
        String digits = t;
        if (t.endsWith("ms")) {
            unit = 1;
            digits = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            digits = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(digits);
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) throw new NumberFormatException();
            return Math.round(v * unit);
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": '" + text + "' is not a duration (use 500ms, 2s, 1m)");
        }
    }
}
