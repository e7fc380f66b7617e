package dev.ferry.testkit.dragonfly;

import java.nio.charset.StandardCharsets;

/** A key in a db; the name is kept as ISO-8859-1 text so binary keys compare and hash by their bytes. */
record KeyRef(int db, String name) {
    static KeyRef of(int db, byte[] key) {
        return new KeyRef(db, new String(key, StandardCharsets.ISO_8859_1));
    }

    byte[] bytes() {
        return name.getBytes(StandardCharsets.ISO_8859_1);
    }
}
