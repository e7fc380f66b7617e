package dev.ferry.util;

/**
 * Redis-style glob matching on bytes ({@code *}, {@code ?}, {@code [abc]}, {@code [^a-z]}, {@code \x}),
 * the same language as SCAN MATCH and KEYS, so --match means what an operator expects.
 */
public final class Glob {
    private final byte[] pattern;

    public Glob(String pattern) {
        this.pattern = pattern.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The pattern as given, for servers that match themselves (SCAN MATCH). */
    public String pattern() {
        return new String(pattern, java.nio.charset.StandardCharsets.UTF_8);
    }

    public boolean matches(byte[] s) {
        return match(pattern, 0, s, 0);
    }

    @SuppressWarnings("fallthrough")
    private static boolean match(byte[] p, int pi, byte[] s, int si) {
        while (pi < p.length) {
            byte c = p[pi];
            switch (c) {
                case '*': {
                    while (pi + 1 < p.length && p[pi + 1] == '*') pi++;
                    if (pi + 1 == p.length) return true;
                    for (int k = si; k <= s.length; k++) if (match(p, pi + 1, s, k)) return true;
                    return false;
                }
                case '?':
                    if (si >= s.length) return false;
                    si++;
                    pi++;
                    break;
                case '[': {
                    if (si >= s.length) return false;
                    int end = pi + 1;
                    boolean not = end < p.length && p[end] == '^';
                    if (not) end++;
                    boolean hit = false;
                    int b = s[si] & 0xff;
                    while (end < p.length && p[end] != ']') {
                        if (p[end] == '\\' && end + 1 < p.length) {
                            end++;
                            if ((p[end] & 0xff) == b) hit = true;
                        } else if (end + 2 < p.length && p[end + 1] == '-' && p[end + 2] != ']') {
                            int lo = p[end] & 0xff;
                            int hi = p[end + 2] & 0xff;
                            if (lo > hi) { int t = lo; lo = hi; hi = t; }
                            if (b >= lo && b <= hi) hit = true;
                            end += 2;
                        } else if ((p[end] & 0xff) == b) {
                            hit = true;
                        }
                        end++;
                    }
                    if (hit == not) return false;
                    pi = Math.min(end + 1, p.length);
                    si++;
                    break;
                }
                case '\\':
                    if (pi + 1 < p.length) pi++;
                    // fall through: the escaped byte matches itself
                default:
                    if (si >= s.length || s[si] != p[pi]) return false;
                    si++;
                    pi++;
            }
        }
        return si == s.length;
    }
}
