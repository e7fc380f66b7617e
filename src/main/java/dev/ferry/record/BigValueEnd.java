package dev.ferry.record;

/** Closes the big value opened by the last {@link BigValueStart}. */
public record BigValueEnd(Position position) implements Record {
}
