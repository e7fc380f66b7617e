package dev.ferry.rdb;

/** Entries of a listpack blob (RDB 7.0+ types, quicklist v2 nodes, stream nodes). */
final class Listpack extends SizedBlob {
    private int count;

    Listpack(byte[] blob) {
        super(blob, 6);
    }

    @Override
    void reset() {
        super.reset();
        count = 0;
    }

    @Override
    String kind() {
        return "listpack";
    }

    @Override
    boolean next() {
        if (atEnd()) {
            int header = Bytes.u16LE(blob, 4);
            if (header != 0xffff && header != count) throw corrupt("header says " + header + " entries, it holds " + count);
            return false;
        }
        int b = blob[p] & 0xff;
        int hdr;
        long len = 0;
        isInt = true;
        if ((b & 0x80) == 0) {
            hdr = 1;
            intValue = b;
        } else if ((b & 0xc0) == 0x80) {
            hdr = 1;
            len = b & 0x3f;
            isInt = false;
        } else if ((b & 0xe0) == 0xc0) {
            hdr = 2;
            need(p, 2);
            int u = ((b & 0x1f) << 8) | (blob[p + 1] & 0xff);
            intValue = u >= 4096 ? u - 8192 : u;
        } else if ((b & 0xf0) == 0xe0) {
            hdr = 2;
            need(p, 2);
            len = ((b & 0x0f) << 8) | (blob[p + 1] & 0xff);
            isInt = false;
        } else {
            switch (b) {
                case 0xf0:
                    hdr = 5;
                    need(p, 5);
                    len = Bytes.intLE(blob, p + 1) & 0xffffffffL;
                    isInt = false;
                    break;
                case 0xf1: hdr = 3; need(p, 3); intValue = (short) Bytes.u16LE(blob, p + 1); break;
                case 0xf2: hdr = 4; need(p, 4); intValue = (blob[p + 1] & 0xff) | (blob[p + 2] & 0xff) << 8 | blob[p + 3] << 16; break;
                case 0xf3: hdr = 5; need(p, 5); intValue = Bytes.intLE(blob, p + 1); break;
                case 0xf4: hdr = 9; need(p, 9); intValue = Bytes.longLE(blob, p + 1); break;
                default: throw corrupt("bad entry encoding 0x" + Integer.toHexString(b));
            }
        }
        long entry = hdr + len;
        int back = entry < 128 ? 1 : entry < 16384 ? 2 : entry < 2097152 ? 3 : entry < 268435456 ? 4 : 5;
        need(p, entry + back);
        checkBackLength(entry, back);
        if (!isInt) {
            strOff = p + hdr;
            strLen = (int) len;
        }
        p += (int) (entry + back);
        count++;
        return true;
    }

    /** The entry's back-length (read backwards, 7 bits a byte, high bit: more to come) must give its size. */
    private void checkBackLength(long entry, int back) {
        int last = p + (int) entry + back - 1;
        long v = 0;
        for (int k = 0; k < back; k++) {
            int c = blob[last - k] & 0xff;
            v |= (long) (c & 127) << (7 * k);
            if (((c & 128) != 0) != (k < back - 1)) throw corrupt("bad back-length");
        }
        if (v != entry) throw corrupt("back-length says " + v + " bytes, the entry is " + entry);
    }
}
