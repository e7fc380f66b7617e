package dev.ferry.rdb;

/** Entries of a ziplist blob (RDB types 10, 12, 13 and quicklist v1 nodes). */
final class Ziplist extends SizedBlob {
    /** Length of the entry before the current one (what the next entry's prevlen must say), and checks. */
    private int prevEntryLen;
    private int lastEntryStart = -1;
    private int count;

    Ziplist(byte[] blob) {
        super(blob, 10);
    }

    @Override
    void reset() {
        super.reset();
        prevEntryLen = 0;
        lastEntryStart = -1;
        count = 0;
    }

    @Override
    String kind() {
        return "ziplist";
    }

    @Override
    boolean next() {
        if (atEnd()) {
            endChecks();
            return false;
        }
        int b = blob[p] & 0xff;
        int q = p + (b < 254 ? 1 : 5);
        need(q, 1);
        long prevlen = b < 254 ? b : Bytes.intLE(blob, p + 1) & 0xffffffffL;
        if (prevlen != prevEntryLen) {
            throw corrupt("entry says the one before it is " + prevlen + " bytes, it is " + prevEntryLen);
        }
        int e = blob[q] & 0xff;
        int len;
        switch (e >>> 6) {
            case 0:
                len = e & 0x3f;
                q += 1;
                break;
            case 1:
                need(q, 2);
                len = ((e & 0x3f) << 8) | (blob[q + 1] & 0xff);
                q += 2;
                break;
            case 2:
                if (e != 0x80) throw corrupt("bad string encoding");
                need(q, 5);
                long l = ((blob[q + 1] & 0xffL) << 24) | ((blob[q + 2] & 0xff) << 16) | ((blob[q + 3] & 0xff) << 8) | (blob[q + 4] & 0xff);
                need(q + 5, l);
                len = (int) l;
                q += 5;
                break;
            default:
                integer(e, q + 1);
                return true;
        }
        need(q, len);
        isInt = false;
        strOff = q;
        strLen = len;
        entered(q + len);
        return true;
    }

    /** The current entry ends at {@code end}: it becomes the one the next entry's prevlen names. */
    private void entered(int end) {
        prevEntryLen = end - p;
        lastEntryStart = p;
        count++;
        p = end;
    }

    /** At the end marker: the header's tail offset and entry count must agree with the entries walked. */
    private void endChecks() {
        long tail = Bytes.intLE(blob, 4) & 0xffffffffL;
        long expected = lastEntryStart < 0 ? 10 : lastEntryStart;
        if (tail != expected) throw corrupt("header says the last entry is at " + tail + ", it is at " + expected);
        int header = Bytes.u16LE(blob, 8);
        if (header != 0xffff && header != count) throw corrupt("header says " + header + " entries, it holds " + count);
    }

    private void integer(int e, int q) {
        int n;
        long v;
        switch (e) {
            case 0xc0: n = 2; need(q, n); v = (short) Bytes.u16LE(blob, q); break;
            case 0xd0: n = 4; need(q, n); v = Bytes.intLE(blob, q); break;
            case 0xe0: n = 8; need(q, n); v = Bytes.longLE(blob, q); break;
            case 0xf0: n = 3; need(q, n); v = ((blob[q] & 0xff) | (blob[q + 1] & 0xff) << 8 | blob[q + 2] << 16); break;
            case 0xfe: n = 1; need(q, n); v = blob[q]; break;
            default:
                if (e >= 0xf1 && e <= 0xfd) {
                    n = 0;
                    v = (e & 0x0f) - 1;
                } else {
                    throw corrupt("bad entry encoding 0x" + Integer.toHexString(e));
                }
        }
        isInt = true;
        intValue = v;
        entered(q + n);
    }
}
