package dev.ferry.pipeline;

import dev.ferry.checkpoint.CutoverSignal;
import dev.ferry.record.DbKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The newest distinct keys the live writes touched, at most {@code limit}: what a cutover verifies as "recent".
 * Bounded whatever the write rate; a key written again moves to the newest end.
 */
final class RecentKeys {
    /** Keys longer than this are left out: the list travels in one checkpoint field every 50 ms. */
    private static final int MAX_KEY = 512;

    private final int limit;
    private final LinkedHashSet<DbKey> keys = new LinkedHashSet<>();
    /** Counts changes, so the list is encoded again only when it changed (it is looked at every 50 ms). */
    private long version;

    RecentKeys(int limit) {
        this.limit = limit;
    }

    synchronized void add(int db, byte[] key) {
        if (key.length > MAX_KEY) return;
        DbKey k = new DbKey(db, key);
        keys.remove(k);
        keys.add(k);
        version++;
        if (keys.size() > limit) {
            Iterator<DbKey> it = keys.iterator();
            it.next();
            it.remove();
        }
    }

    synchronized void clear() {
        keys.clear();
        version++;
    }

    synchronized long version() {
        return version;
    }

    synchronized List<CutoverSignal.Touched> snapshot() {
        List<CutoverSignal.Touched> out = new ArrayList<>(keys.size());
        for (DbKey k : keys) out.add(new CutoverSignal.Touched(k.db(), k.key()));
        return out;
    }
}
