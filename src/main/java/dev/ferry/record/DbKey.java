package dev.ferry.record;

import java.util.Arrays;

/** A key in a db, compared by content so a set of them de-duplicates binary keys. */
public record DbKey(int db, byte[] key) {
    @Override
    public boolean equals(Object o) {
        return o instanceof DbKey k && k.db == db && Arrays.equals(k.key, key);
    }

    @Override
    public int hashCode() {
        return 31 * db + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "db " + db + " " + dev.ferry.util.KeyNames.quote(key);
    }
}
