package dev.ferry.record;

import java.util.Locale;

/** A byte offset in an RDB file: every key before it was read (an import resumes after it). */
public record FileOffset(long offset) implements Position {
    @Override
    public String describe() {
        return String.format(Locale.ROOT, "offset %,d", offset);
    }

    @Override
    public long ordinal() {
        return offset;
    }
}
