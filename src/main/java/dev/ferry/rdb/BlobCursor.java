package dev.ferry.rdb;

import java.util.Arrays;

/**
 * Walks the entries of one encoded blob (ziplist, listpack, intset, zipmap). An entry is either an
 * integer ({@link #isInt}) or a slice of the blob; every offset is checked against the blob's end so a
 * corrupt blob fails with {@link RdbFormatException} instead of reading out of bounds.
 */
abstract class BlobCursor {
    protected final byte[] blob;
    protected int p;
    boolean isInt;
    long intValue;
    int strOff;
    int strLen;

    BlobCursor(byte[] blob) {
        this.blob = blob;
    }

    /** Advances to the next entry; false at the end. */
    abstract boolean next();

    /** Back to before the first entry. */
    abstract void reset();

    /**
     * Walks every entry once, so every internal length, back-pointer and header count is checked (what Redis's
     * deep sanitisation checks), and the count of entries is a multiple of {@code group} (pairs, triplets); then
     * goes back to the start. A value that fails is never written.
     */
    final BlobCursor checked(int group) {
        long n = 0;
        while (next()) n++;
        if (n % group != 0) throw corrupt("holds " + n + " entries, not a multiple of " + group);
        reset();
        return this;
    }

    /** True if the blob holds no entries (checked from the header, without walking). */
    abstract boolean isEmpty();

    byte[] bytes() {
        return isInt ? Bytes.ascii(intValue) : Arrays.copyOfRange(blob, strOff, strOff + strLen);
    }

    double score() {
        return isInt ? (double) intValue : Bytes.parseScore(bytes());
    }

    long longValue() {
        return isInt ? intValue : Bytes.parseLong(bytes());
    }

    /** Like next() but the entry must exist: elements come in pairs or triplets. */
    void expectNext(String what) {
        if (!next()) throw new RdbFormatException(kind() + " ends in the middle of " + what);
    }

    abstract String kind();

    protected final RdbFormatException corrupt(String what) {
        return new RdbFormatException(kind() + " " + what + " (blob offset " + p + " of " + blob.length + ")");
    }

    protected final void need(int from, long n) {
        if (n < 0 || from + n > blob.length - 1) throw corrupt("entry overruns its blob");
    }

    static BlobCursor ziplist(byte[] b) {
        return new Ziplist(b);
    }

    static BlobCursor listpack(byte[] b) {
        return new Listpack(b);
    }
}
