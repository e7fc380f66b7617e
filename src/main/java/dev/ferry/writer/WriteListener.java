package dev.ferry.writer;

/** Told about every key that did not make it to the target as it was, with the reason. */
public interface WriteListener {
    /** The target refused the key (an error reply), or the run stopped before it was confirmed. */
    void failed(int db, byte[] key, String reason);

    /** The key was deliberately not written: it exists (--no-replace), or the target cannot hold it. */
    void skipped(int db, byte[] key, String reason);

    /** The key was written, but not exactly as the source held it (the message says how). */
    default void warned(int db, byte[] key, String message) {
    }

    WriteListener NONE = new WriteListener() {
        @Override public void failed(int db, byte[] key, String reason) { }
        @Override public void skipped(int db, byte[] key, String reason) { }
    };
}
