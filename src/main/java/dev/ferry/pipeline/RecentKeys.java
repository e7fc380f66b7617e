package dev.ferry.pipeline;

import dev.ferry.checkpoint.CutoverSignal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest distinct keys the live writes touched, at most {@code limit}: what a cutover verifies as "recent".
 * Bounded whatever the write rate; a key written again moves to the newest end.
 */
final class RecentKeys {
    private record Entry(int db, byte[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.db == db && Arrays.equals(e.key, key);
        }

        @Override
        public int hashCode() {
            return 31 * db + Arrays.hashCode(key);
        }
    }

    /** Keys longer than this are left out: the list travels in one checkpoint field every 50 ms. */
    private static final int MAX_KEY = 512;

    private final int limit;
    private final LinkedHashMap<Entry, Boolean> keys = new LinkedHashMap<>();

    RecentKeys(int limit) {
        this.limit = limit;
    }

    synchronized void add(int db, byte[] key) {
        if (key.length > MAX_KEY) return;
        Entry e = new Entry(db, key);
        keys.remove(e);
        keys.put(e, Boolean.TRUE);
        if (keys.size() > limit) {
            Iterator<Map.Entry<Entry, Boolean>> it = keys.entrySet().iterator();
            it.next();
            it.remove();
        }
    }

    synchronized void clear() {
        keys.clear();
    }

    synchronized List<CutoverSignal.Touched> snapshot() {
        List<CutoverSignal.Touched> out = new ArrayList<>(keys.size());
        for (Entry e : keys.keySet()) out.add(new CutoverSignal.Touched(e.db, e.key));
        return out;
    }
}
