package dev.ferry.record;

import dev.ferry.command.ValueType;

/**
 * A batch of decoded elements of one value, in source order. Which arrays are used depends on the type:
 * <ul>
 *   <li>STRING: {@code items[0]} is (a piece of) the value; pieces of one string concatenate in order</li>
 *   <li>LIST, SET: {@code items[i]} is an element</li>
 *   <li>ZSET: {@code items[i]} is a member, {@code scores[i]} its score</li>
 *   <li>HASH: {@code items[i]} is a field, {@code values[i]} its value, {@code ttls[i]} its absolute
 *       expiry in ms or -1 ({@code ttls} is null when no field of the batch has one)</li>
 *   <li>SET members may have {@code ttls} too (Dragonfly's member expiry), which Redis cannot hold</li>
 * </ul>
 * Streams are not batched this way; see {@code dev.ferry.rdb.StreamValue}.
 */
public final class ElementBatch implements Record {
    private final ValueType type;
    private final byte[][] items;
    private final byte[][] values;
    private final double[] scores;
    private final long[] ttls;
    private final int size;

    public ElementBatch(ValueType type, byte[][] items, byte[][] values, double[] scores, long[] ttls, int size) {
        this.type = type;
        this.items = items;
        this.values = values;
        this.scores = scores;
        this.ttls = ttls;
        this.size = size;
    }

    public ValueType type() { return type; }
    public byte[] item(int i) { return items[i]; }
    public byte[] value(int i) { return values[i]; }
    public double score(int i) { return scores[i]; }
    /** Absolute expiry of hash field i in ms, or -1. */
    public long ttl(int i) { return ttls == null ? -1 : ttls[i]; }
    public boolean hasTtls() { return ttls != null; }
    public int size() { return size; }
    /** A part of a value claims no position: the value's end record does. */
    @Override public Position position() { return null; }
}
