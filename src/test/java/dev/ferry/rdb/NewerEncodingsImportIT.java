package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encodings newer than the target (an RDB 11 file from Redis 7.2 into Redis 7.0): a SET_LISTPACK is
 * re-encoded as a plain set and RESTOREd, a version-3 stream is rebuilt with stream commands, groups and
 * pending entries included.
 */
class NewerEncodingsImportIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    @TempDir
    Path tmp;

    private Path rdb11() throws Exception {
        byte[] nodeKey = new byte[16];
        nodeKey[7] = 100; // entries 100-0 and 100-1
        byte[] pelId = nodeKey.clone();
        pelId[15] = 1;
        byte[] listpack = SyntheticTypesTest.lp(2, 0, 1, "f", 0, 2, 0, 0, "v0", 4, 0, 0, 1, 1, "g", "v1", 6);
        RdbFiles f = new RdbFiles(11).raw(254).len(0)
                .raw(20).string("set20").string(SyntheticTypesTest.lp("a", "b", 7))
                .raw(21).string("s")
                .len(1).string(nodeKey).string(listpack)
                .len(2).len(100).len(1)          // length 2, last id 100-1
                .len(100).len(0).len(0).len(0).len(2)   // first id, max deleted id, entries added
                .len(1).string("grp").len(100).len(1).len(2)   // group "grp", last id 100-1, entries read 2
                .len(1);
        for (byte b : pelId) f.raw(b & 0xff);
        f.longLE(555).len(3).len(1).string("alice").longLE(777).longLE(888).len(1);
        for (byte b : pelId) f.raw(b & 0xff);
        Path file = tmp.resolve("v11.rdb");
        Files.write(file, f.end(true));
        return file;
    }

    @Test
    void newerEncodingsArriveAsTheirValues() throws Exception {
        RedisServer t = target.get();
        Cli.Result r = Cli.run("import", rdb11().toString(), "--target", t.uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("keys written  2");

        // the same set made by commands in another db digests the same
        t.cli("-n", "1", "SADD", "expected", "a", "b", "7");
        assertThat(t.cli("DEBUG", "DIGEST-VALUE", "set20")).isEqualTo(t.cli("-n", "1", "DEBUG", "DIGEST-VALUE", "expected"));

        assertThat(t.cli("XRANGE", "s", "-", "+")).isEqualTo("100-0\nf\nv0\n100-1\ng\nv1");
        String info = t.cli("XINFO", "STREAM", "s", "FULL");
        assertThat(info).contains("last-generated-id\n100-1").contains("entries-added\n2");
        assertThat(t.cli("XINFO", "GROUPS", "s")).contains("name\ngrp").contains("last-delivered-id\n100-1")
                .contains("entries-read\n2").contains("pending\n1");
        // the pending entry keeps its consumer, delivery time and delivery count
        assertThat(t.cli("XPENDING", "s", "grp", "-", "+", "10")).startsWith("100-1\nalice\n").endsWith("\n3");
        assertThat(info).contains("pending\n100-1\nalice\n555\n3\n");
    }
}
