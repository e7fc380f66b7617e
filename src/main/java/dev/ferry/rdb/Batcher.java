package dev.ferry.rdb;

import dev.ferry.record.ElementBatch;
import dev.ferry.command.ValueType;

import java.util.function.Consumer;

/** Collects decoded elements into {@link ElementBatch}es of at most {@code batchSize} elements. */
final class Batcher {
    private final ValueType type;
    private final int batchSize;
    private final Consumer<ElementBatch> sink;
    private byte[][] items;
    private byte[][] values;
    private double[] scores;
    private long[] ttls;
    private boolean anyTtl;
    private int n;
    private long total;

    Batcher(ValueType type, int batchSize, Consumer<ElementBatch> sink) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be positive");
        this.type = type;
        this.batchSize = batchSize;
        this.sink = sink;
        start();
    }

    private void start() {
        items = new byte[batchSize][];
        values = type == ValueType.HASH ? new byte[batchSize][] : null;
        scores = type == ValueType.ZSET ? new double[batchSize] : null;
        ttls = type == ValueType.HASH || type == ValueType.SET ? new long[batchSize] : null;
        anyTtl = false;
        n = 0;
    }

    ValueType type() {
        return type;
    }

    void item(byte[] item) {
        items[n] = item;
        if (ttls != null) ttls[n] = -1;
        added();
    }

    /** A set member with its own expiry (Dragonfly's SADDEX), absolute ms or -1. */
    void member(byte[] member, long ttl) {
        items[n] = member;
        ttls[n] = ttl;
        if (ttl != -1) anyTtl = true;
        added();
    }

    void scored(byte[] member, double score) {
        items[n] = member;
        scores[n] = score;
        added();
    }

    void field(byte[] field, byte[] value, long ttl) {
        items[n] = field;
        values[n] = value;
        ttls[n] = ttl;
        if (ttl != -1) anyTtl = true;
        added();
    }

    private void added() {
        n++;
        total++;
        if (n == batchSize) flush();
    }

    /** Hands over the pending elements, if any. */
    void flush() {
        if (n == 0) return;
        sink.accept(new ElementBatch(type, items, values, scores, anyTtl ? ttls : null, n));
        start();
    }

    long total() {
        return total;
    }
}
