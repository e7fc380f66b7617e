package dev.ferry.rdb;

/** Thrown from a refill when a capture passes the big-value threshold; unwinds the skipping parser. */
final class BigValueSignal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final BigValueSignal INSTANCE = new BigValueSignal();

    private BigValueSignal() {
        super("big value", null, false, false);
    }
}
