package dev.ferry.pipeline;

import dev.ferry.server.NodeIdentity;
import dev.ferry.writer.TargetWriter;
import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which target dbs Ferry may clear when the source makes it remove what it copied (a new full sync, a source
 * FLUSHALL/FLUSHDB). Ferry never deletes a key that the source did not delete or that Ferry did not write, and it
 * cannot tell its keys from anyone else's, so it owns a target db only when the db was empty when the run started,
 * or when the operator says the target holds only this source's data ({@code --target-owned}). Elsewhere such a
 * removal stops the run instead, deleting nothing.
 */
public final class TargetOwnership {
    private final SortedMap<Integer, Long> occupiedAtStart;
    private final boolean declared;
    /** Dbs an earlier run of the same checkpoint owned (they hold its keys now, which do not make them foreign). */
    private final java.util.Set<Integer> recorded;

    private TargetOwnership(SortedMap<Integer, Long> occupiedAtStart, boolean declared, java.util.Set<Integer> recorded) {
        this.occupiedAtStart = occupiedAtStart;
        this.declared = declared;
        this.recorded = recorded;
    }

    /** Reads the target's keys per db as the writer found them on opening (every master summed). */
    public static TargetOwnership of(TargetWriter writer, boolean declared) {
        return of(writer, declared, Map.of());
    }

    /** As {@link #of(TargetWriter, boolean)}, not counting {@code ours} per db: Ferry's own checkpoint hashes. */
    public static TargetOwnership of(TargetWriter writer, boolean declared, Map<Integer, Long> ours) {
        SortedMap<Integer, Long> occupied = new TreeMap<>();
        for (NodeIdentity id : writer.masterIdentities()) {
            for (Map.Entry<Integer, Long> e : id.keysByDb().entrySet()) occupied.merge(e.getKey(), e.getValue(), Long::sum);
        }
        ours.forEach((db, n) -> {
            if (occupied.containsKey(db) && occupied.merge(db, -n, Long::sum) <= 0) occupied.remove(db);
        });
        return new TargetOwnership(occupied, declared, java.util.Set.of());
    }

    /**
     * Ownership carried over from the earlier run whose checkpoint this run continues: the dbs it owned stay Ferry's
     * (they hold its keys now); any other db is Ferry's only if it is empty now, or with {@code --target-owned}.
     */
    public static TargetOwnership recorded(TargetWriter writer, Collection<Integer> owned, boolean declared) {
        TargetOwnership now = of(writer, declared, Map.of());
        return new TargetOwnership(now.occupiedAtStart, declared, java.util.Set.copyOf(owned));
    }

    public boolean owns(int targetDb) {
        return declared || recorded.contains(targetDb) || !occupiedAtStart.containsKey(targetDb);
    }

    /** The dbs owned among 0-255, for the checkpoint's record ({@code alsoOwned} too). */
    public java.util.SortedSet<Integer> ownedDbs(Collection<Integer> alsoOwned) {
        java.util.SortedSet<Integer> out = new java.util.TreeSet<>(alsoOwned);
        for (int db = 0; db < 256; db++) if (owns(db)) out.add(db);
        return out;
    }

    /** "db 0, db 3", or "no db" for none. */
    public String describeDbs(Collection<Integer> dbs) {
        if (dbs.isEmpty()) return "no db";
        StringBuilder b = new StringBuilder();
        for (int db : dbs) b.append(b.length() > 0 ? ", " : "").append("db ").append(db);
        return b.toString();
    }

    /** Target dbs that held keys at the start, with their key counts. */
    public SortedMap<Integer, Long> occupiedAtStart() {
        return occupiedAtStart;
    }

    /** "db 0 (12 keys before this run), db 3 (1 key before this run)" for the dbs given. */
    public String describe(Collection<Integer> dbs) {
        StringBuilder b = new StringBuilder();
        for (int db : dbs) {
            if (b.length() > 0) b.append(", ");
            long n = occupiedAtStart.getOrDefault(db, 0L);
            b.append("db ").append(db).append(" (").append(String.format(java.util.Locale.ROOT, "%,d", n))
                    .append(n == 1 ? " key" : " keys").append(" before this run)");
        }
        return b.toString();
    }
}
