package dev.ferry.verify;

import java.util.Locale;

/** A key that differs, with what each side holds (null where the key is absent). */
public record Difference(int db, byte[] key, Kind kind, Probe source, Probe target) {
    public enum Kind {
        MISSING_ON_TARGET, MISSING_ON_SOURCE, TYPE, VALUE, TTL;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The difference between two probes of one key, or null when they agree within the TTL tolerance. */
    static Kind compare(Probe s, Probe t, long ttlToleranceMs) {
        if (!s.exists() && !t.exists()) return null;
        if (!t.exists()) return Kind.MISSING_ON_TARGET;
        if (!s.exists()) return Kind.MISSING_ON_SOURCE;
        if (!s.type().equals(t.type())) return Kind.TYPE;
        if (s.length() != t.length() || !s.digest().equals(t.digest())) return Kind.VALUE;
        boolean sTtl = s.ttlMs() >= 0;
        boolean tTtl = t.ttlMs() >= 0;
        if (sTtl != tTtl) return Kind.TTL;
        if (sTtl && Math.abs(s.ttlMs() - t.ttlMs()) > ttlToleranceMs) return Kind.TTL;
        return null;
    }
}
