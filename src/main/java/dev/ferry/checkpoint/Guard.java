package dev.ferry.checkpoint;

/**
 * Where a guarded write stands in its shard's history: the ordinal of the record's position
 * ({@link dev.ferry.record.Position#ordinal()}) and, for a record sent in several parts (a block applied command by
 * command on a cluster), which part. A write is already on the target when its guard is at or before the guard its
 * slot's checkpoint holds.
 */
public record Guard(long ordinal, int part) implements Comparable<Guard> {
    @Override
    public int compareTo(Guard o) {
        int c = Long.compare(ordinal, o.ordinal);
        return c != 0 ? c : Integer.compare(part, o.part);
    }

    public boolean atOrBefore(Guard o) {
        return compareTo(o) <= 0;
    }

    public String text() {
        return ordinal + ":" + part;
    }

    /** Parses {@link #text()}; null for anything else (a field written by something other than Ferry). */
    public static Guard parse(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0) return null;
        try {
            return new Guard(Long.parseLong(s.substring(0, colon)), Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Where a guard lives: a checkpoint key is one per db and slot (a standalone target: slot 0). */
    public static long location(int db, int slot) {
        return ((long) db << 16) | slot;
    }
}
