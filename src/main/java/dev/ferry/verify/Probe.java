package dev.ferry.verify;

/**
 * What one side holds under a key: its type (as TYPE names it; "none" when absent), its length (STRLEN, LLEN,
 * HLEN, SCARD, ZCARD, XLEN), its PTTL (-1 none) and its canonical digest.
 */
public record Probe(String type, long length, long ttlMs, String digest) {
    static final Probe ABSENT = new Probe("none", 0, -2, "");

    public boolean exists() {
        return !"none".equals(type);
    }
}
