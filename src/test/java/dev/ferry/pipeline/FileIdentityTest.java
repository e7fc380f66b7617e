package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileIdentityTest {
    @TempDir
    Path dir;

    private Path file(String name, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Path p = dir.resolve(name);
        Files.write(p, b);
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_000_123L));
        return p;
    }

    @Test
    void textFormIsStableAndParsesBack() throws IOException {
        FileIdentity id = FileIdentity.of(file("a.rdb", 200_000, 1));
        assertThat(id.toString()).matches("size=200000;mtime=1700000000123;head=[0-9a-f]{16};tail=[0-9a-f]{16}");
        assertThat(FileIdentity.parse(id.toString())).isEqualTo(id);
        assertThat(FileIdentity.parse("size=5;mtime=-1;head=ffffffffffffffff;tail=0000000000000001"))
                .isEqualTo(new FileIdentity(5, -1, -1L, 1));
    }

    @Test
    void aSmallFileIsItsOwnHeadAndTail() throws IOException {
        FileIdentity id = FileIdentity.of(file("small.rdb", 100, 2));
        assertThat(id.head()).isEqualTo(id.tail()).isEqualTo(dev.ferry.rdb.Crc64.of(Files.readAllBytes(dir.resolve("small.rdb"))));
        assertThat(FileIdentity.of(file("empty.rdb", 0, 3)).size()).isZero();
    }

    @Test
    void aChangedEndOrTimeIsADifferentFile() throws IOException {
        Path p = file("b.rdb", 300_000, 4);
        FileIdentity before = FileIdentity.of(p);
        byte[] b = Files.readAllBytes(p);
        b[b.length - 1] ^= 1;
        Files.write(p, b);
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_000_123L));
        FileIdentity after = FileIdentity.of(p);
        assertThat(after).isNotEqualTo(before);
        assertThat(before.differenceFrom(after)).isEqualTo("its content differs");
        assertThat(before.differenceFrom(before)).isNull();
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_009_000L));
        assertThat(after.differenceFrom(FileIdentity.of(p))).isEqualTo("it was modified since");
        assertThat(before.differenceFrom(FileIdentity.of(file("c.rdb", 10, 5)))).isEqualTo("its size changed from 300,000 to 10 bytes");
    }

    @Test
    void malformedTextIsRefusedWithOneLine() {
        assertThatThrownBy(() -> FileIdentity.parse("size=1;mtime=2;head=00"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad head");
        assertThatThrownBy(() -> FileIdentity.parse("size=1;mtime=2;head=0000000000000000"))
                .hasMessageContaining("size, mtime, head and tail are each needed");
        assertThatThrownBy(() -> FileIdentity.parse("size=1;size=1;mtime=2;head=0000000000000000;tail=0000000000000000"))
                .hasMessageContaining("size twice");
        assertThatThrownBy(() -> FileIdentity.parse("garbage")).hasMessageContaining("is not name=value");
        assertThatThrownBy(() -> FileIdentity.parse("size=1;mtime=2;head=0000000000000000;tail=0000000000000000;x=1"))
                .hasMessageContaining("unknown field x");
    }
}
