package dev.ferry.rdb;

/** Module type ids: 54 bits of a 9-character name (64-symbol charset) and a 10-bit encoding version. */
final class ModuleId {
    private static final String CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private ModuleId() {
    }

    static String name(long id) {
        char[] name = new char[9];
        long v = id >>> 10;
        for (int j = 8; j >= 0; j--) {
            name[j] = CHARSET.charAt((int) (v & 63));
            v >>>= 6;
        }
        return new String(name);
    }
}
