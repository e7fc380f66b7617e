package dev.ferry.rdb;

/** Alternating fields and values of a zipmap blob (RDB type 9, Redis before 2.6). */
final class Zipmap extends BlobCursor {
    private boolean valueNext;

    Zipmap(byte[] blob) {
        super(blob);
        if (blob.length < 2) throw corrupt("shorter than its header");
        if ((blob[blob.length - 1] & 0xff) != 0xff) throw corrupt("lacks its end marker");
        p = 1;
        isInt = false;
    }

    @Override
    void reset() {
        p = 1;
        valueNext = false;
    }

    @Override
    boolean isEmpty() {
        return (blob[1] & 0xff) == 0xff;
    }

    @Override
    String kind() {
        return "zipmap";
    }

    @Override
    boolean next() {
        int b = blob[p] & 0xff;
        if (b == 0xff) {
            if (valueNext) throw corrupt("ends after a field without value");
            if (p != blob.length - 1) throw corrupt("end marker before the end");
            return false;
        }
        long len;
        int q;
        if (b < 254) {
            len = b;
            q = p + 1;
        } else if (b == 254) {
            need(p, 5);
            len = Bytes.intLE(blob, p + 1) & 0xffffffffL;
            q = p + 5;
        } else {
            throw corrupt("bad length");
        }
        int free = 0;
        if (valueNext) {
            need(q, 1);
            free = blob[q] & 0xff;
            q++;
        }
        need(q, len + free);
        strOff = q;
        strLen = (int) len;
        p = q + (int) len + free;
        valueNext = !valueNext;
        return true;
    }
}
