package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;

/**
 * A value the reader hands over whole is written as it is (RESTORE), and Redis's RESTORE checks only the headers
 * of ziplists, listpacks and intsets (unless sanitize-dump-payload is on): so the reader checks every internal
 * length itself, and a damaged blob stops the read at that key instead of reaching the target.
 */
class BlobChecksTest {

    private static RecordingVisitor read(byte[] file) {
        RecordingVisitor v = new RecordingVisitor();
        new RdbReader(new ByteArrayInputStream(file), v, new RdbReader.Options()).read();
        return v;
    }

    /** A hash listpack (RDB type 16) of field "f", value "v", with its header count and back-lengths as given. */
    private static byte[] listpack(int count, int backLengthOfValue) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0, 0, 0, 0, (byte) count, 0});
        b.writeBytes(new byte[] {(byte) 0x81, 'f', 2});
        b.writeBytes(new byte[] {(byte) 0x81, 'v', (byte) backLengthOfValue});
        b.write(0xff);
        byte[] lp = b.toByteArray();
        lp[0] = (byte) lp.length;
        return lp;
    }

    /** A list ziplist (RDB type 10) of "a", "b" with the given second prevlen, tail offset and count. */
    private static byte[] ziplist(int secondPrevlen, int tail, int count) {
        byte[] z = {17, 0, 0, 0, (byte) tail, 0, 0, 0, (byte) count, 0, 0, 1, 'a', (byte) secondPrevlen, 1, 'b', (byte) 0xff};
        return z;
    }

    private static byte[] file(int type, byte[] blob) {
        return new RdbFiles(10).raw(type).string("victim").string(blob).end(true);
    }

    @org.junit.jupiter.api.Test
    void wellFormedBlobsAreHandedOverWhole() {
        assertThat(read(file(16, listpack(2, 2))).keyValues).hasSize(1);
        assertThat(read(file(10, ziplist(3, 13, 2))).keyValues).hasSize(1);
        assertThat(read(file(11, intset(1, 2, 3))).keyValues).hasSize(1);
    }

    @org.junit.jupiter.api.Test
    void listpackWhoseCountDisagreesIsRefused() {
        assertThatThrownBy(() -> read(file(16, listpack(3, 2))))
                .isInstanceOf(RdbFormatException.class)
                .hasMessageMatching("corrupt RDB at offset \\d+ \\(key \"victim\", db 0\\): listpack header says 3 entries, it holds 2.*");
    }

    @org.junit.jupiter.api.Test
    void listpackWithABadBackLengthIsRefused() {
        assertThatThrownBy(() -> read(file(16, listpack(2, 5))))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("key \"victim\"")
                .hasMessageContaining("listpack back-length says 5 bytes, the entry is 2");
    }

    @org.junit.jupiter.api.Test
    void ziplistWithABadPreviousLengthTailOrCountIsRefused() {
        assertThatThrownBy(() -> read(file(10, ziplist(4, 13, 2))))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("ziplist entry says the one before it is 4 bytes, it is 3");
        assertThatThrownBy(() -> read(file(10, ziplist(3, 10, 2))))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("ziplist header says the last entry is at 10, it is at 13");
        assertThatThrownBy(() -> read(file(10, ziplist(3, 13, 5))))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("ziplist header says 5 entries, it holds 2");
    }

    @org.junit.jupiter.api.Test
    void intsetOutOfOrderIsRefused() {
        assertThatThrownBy(() -> read(file(11, intset(1, 5, 3))))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("intset members out of order (5, then 3)");
    }

    @org.junit.jupiter.api.Test
    void hashListpackWithAnOddNumberOfEntriesIsRefused() {
        byte[] lp = {10, 0, 0, 0, 1, 0, (byte) 0x81, 'f', 2, (byte) 0xff};
        assertThatThrownBy(() -> read(file(16, lp)))
                .isInstanceOf(RdbFormatException.class).hasMessageContaining("listpack holds 1 entries, not a multiple of 2");
    }

    private static byte[] intset(int... members) {
        byte[] b = new byte[8 + 2 * members.length];
        b[0] = 2;
        b[4] = (byte) members.length;
        for (int i = 0; i < members.length; i++) b[8 + 2 * i] = (byte) members[i];
        return b;
    }
}
