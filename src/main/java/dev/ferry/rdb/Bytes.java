package dev.ferry.rdb;

/** Little-endian access and number formatting shared by the blob decoders. */
final class Bytes {
    private Bytes() {
    }

    static long longLE(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24
                | (b[p + 4] & 0xffL) << 32 | (b[p + 5] & 0xffL) << 40 | (b[p + 6] & 0xffL) << 48 | (b[p + 7] & 0xffL) << 56;
    }

    static int intLE(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    static int u16LE(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
    }

    static byte[] ascii(long v) {
        return Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Parses a score the way Redis's strtod-based loaders accept it, including inf/-inf/nan spellings.
     */
    static double parseScore(byte[] b) {
        String s = new String(b, java.nio.charset.StandardCharsets.US_ASCII).trim();
        String l = s.toLowerCase(java.util.Locale.ROOT);
        switch (l) {
            case "inf": case "+inf": case "infinity": case "+infinity": return Double.POSITIVE_INFINITY;
            case "-inf": case "-infinity": return Double.NEGATIVE_INFINITY;
            case "nan": case "-nan": case "+nan": return Double.NaN;
            default:
                if (l.isEmpty() || l.endsWith("d") || l.endsWith("f")) throw new RdbFormatException("bad score \"" + s + "\"");
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new RdbFormatException("bad score \"" + RdbFormatException.printable(b, 32) + "\"");
                }
        }
    }

    /** Integer strings as stored in blobs, for TTL elements. */
    static long parseLong(byte[] b) {
        try {
            return Long.parseLong(new String(b, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new RdbFormatException("expected an integer, got \"" + RdbFormatException.printable(b, 32) + "\"");
        }
    }
}
