package dev.ferry.record;

import java.util.Locale;

/**
 * Where a scan-mode shard stands. While scanning, {@code db} and {@code cursor} are where a scan would continue
 * after this record's page of keys; once live ({@code cursor} null) there is no cursor, only the count of
 * records handed on. {@code sequence} numbers the shard's records in order either way.
 */
public record ScanPosition(int db, String cursor, long sequence) implements Position {
    public static ScanPosition live(long sequence) {
        return new ScanPosition(-1, null, sequence);
    }

    public boolean isLive() {
        return cursor == null;
    }

    @Override
    public String describe() {
        return isLive() ? String.format(Locale.ROOT, "change %,d", sequence)
                : String.format(Locale.ROOT, "db %d cursor %s (key %,d)", db, cursor, sequence);
    }

    @Override
    public long ordinal() {
        return sequence;
    }
}
