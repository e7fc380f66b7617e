package dev.ferry.rdb;

/** Members of an intset blob (RDB type 11). */
final class Intset extends BlobCursor {
    private final int width;
    private final int count;
    private int index;

    Intset(byte[] blob) {
        super(blob);
        if (blob.length < 8) throw corrupt("shorter than its header");
        width = Bytes.intLE(blob, 0);
        if (width != 2 && width != 4 && width != 8) throw corrupt("bad encoding " + width);
        long n = Bytes.intLE(blob, 4) & 0xffffffffL;
        if (8 + n * width != blob.length) throw corrupt("length " + n + " disagrees with the blob size");
        count = (int) n;
        isInt = true;
    }

    @Override
    void reset() {
        index = 0;
    }

    @Override
    boolean isEmpty() {
        return count == 0;
    }

    @Override
    String kind() {
        return "intset";
    }

    @Override
    boolean next() {
        if (index == count) return false;
        int q = 8 + index * width;
        long v = width == 2 ? (short) Bytes.u16LE(blob, q) : width == 4 ? Bytes.intLE(blob, q) : Bytes.longLE(blob, q);
        if (index > 0 && v <= intValue) throw corrupt("members out of order (" + intValue + ", then " + v + ")");
        intValue = v;
        index++;
        return true;
    }
}
