package dev.ferry.testkit.dragonfly.capture;

/**
 * One way a target's dataset differs from a capture's expected.json. {@code key} is printed the way
 * expected.json names keys (UTF-8 text, or {@code base64:...}).
 */
public record Difference(int db, String key, Kind kind, String detail) {

    public enum Kind {
        /** The key should be there and is not. */
        MISSING,
        /** The key should not be there: unknown to expected.json, or past its expiry. */
        EXTRA,
        TYPE,
        VALUE,
        /** Key expiry (PEXPIRETIME) or a hash field / set member TTL. */
        TTL,
        /**
         * Stream consumer-group entries-read/lag and consumers' seen-time/active-time. These legitimately
         * differ on a replica (it recomputes entries-read/lag when loading, and stamps consumers it creates
         * itself with its own clock), so they are kept apart for a test to reason about explicitly.
         */
        STREAM_GROUP_META
    }

    @Override
    public String toString() {
        return "db" + db + " '" + key + "' " + kind + ": " + detail;
    }
}
