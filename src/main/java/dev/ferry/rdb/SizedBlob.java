package dev.ferry.rdb;

/**
 * A blob that starts with its own total size and ends with 0xff (ziplist, listpack): both are checked
 * before any entry is read, and the first entry follows a header of fixed length.
 */
abstract class SizedBlob extends BlobCursor {
    private final int header;

    SizedBlob(byte[] blob, int header) {
        super(blob);
        this.header = header;
        if (blob.length < header + 1) throw corrupt("shorter than its header");
        if (Bytes.intLE(blob, 0) != blob.length) {
            throw corrupt("header size " + Integer.toUnsignedString(Bytes.intLE(blob, 0)) + " differs from the blob size");
        }
        if ((blob[blob.length - 1] & 0xff) != 0xff) throw corrupt("lacks its end marker");
        p = header;
    }

    @Override
    void reset() {
        p = header;
    }

    @Override
    boolean isEmpty() {
        return (blob[header] & 0xff) == 0xff;
    }

    /** True at the 0xff end marker, which must be the blob's last byte. */
    protected final boolean atEnd() {
        if ((blob[p] & 0xff) != 0xff) return false;
        if (p != blob.length - 1) throw corrupt("end marker before the end");
        return true;
    }
}
