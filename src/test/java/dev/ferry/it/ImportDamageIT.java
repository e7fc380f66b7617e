package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged RDB file: what Ferry holds before the damage is sent and confirmed, the summary says how far it got
 * and that the target holds a partial import, a value that fails its own structural checks never reaches the
 * target, and {@code --check-first} refuses a damaged file before writing anything.
 */
class ImportDamageIT {
    static final int KEYS = 2000;

    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("damage-target")).flushBeforeEach();

    @TempDir
    static Path tmp;
    /** KEYS strings and a small hash "victim" (a listpack), saved without LZF compression so the bytes can be found. */
    static Rdbs.Made file;

    @BeforeAll
    static void rdb() {
        file = Rdbs.make(tmp, "plain.rdb", s -> {
            assertThat(s.cli("CONFIG", "SET", "rdbcompression", "no")).isEqualTo("OK");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < KEYS; i++) sb.append("SET before:").append(i).append(" value-").append(i).append('\n');
            sb.append("HSET victim field-one value-one field-two value-two\n");
            Rdbs.script(s, sb.toString());
        });
    }

    static Path damaged(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Exit 1, exactly one "ferry: error:" line on stderr, no stack trace; returns it. */
    static String errorLine(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(1);
        assertThat(lines.get(0)).as(r.toString()).startsWith("ferry: error: ");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        return lines.get(0);
    }

    /** The keys written the summary's first line names; every key on the target is the file's, unchanged. */
    static long partialImport(Cli.Result r, String fileName) {
        String first = r.out().lines().findFirst().orElse("");
        Matcher m = Pattern.compile("Stopped at damage after [\\d.]+% of " + Pattern.quote(fileName)
                + " \\(([\\d,]+) keys written\\): the target holds a partial import; fix or replace the file and import it "
                + "again without --no-replace .*").matcher(first);
        assertThat(m.matches()).as(r.toString()).isTrue();
        long written = Long.parseLong(m.group(1).replace(",", ""));
        assertThat(target.get().dbSize()).isEqualTo(written);
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "  keys written  %,d%n", written))
                .containsPattern("  confirmed to  file offset [\\d,]+\n");
        Map<String, String> expected = file.perKey();
        Datasets.perKey(target.get()).forEach((k, v) -> assertThat(v).as(k).isEqualTo(expected.get(k)));
        return written;
    }

    @Test
    void truncatedFileConfirmsWhatCameBeforeTheCutAndSaysTheTargetIsPartial() throws IOException {
        byte[] all = Files.readAllBytes(file.file());
        Path cut = damaged("cut.rdb", Arrays.copyOf(all, all.length / 2));
        Cli.Result r = Rdbs.importQuiet(cut, target.get().uri());
        assertThat(errorLine(r)).startsWith("ferry: error: cut.rdb: corrupt RDB at offset ");
        long written = partialImport(r, "cut.rdb");
        assertThat(written).isPositive().isLessThan(KEYS + 1);
    }

    /** Where the victim's listpack starts: after type 16, the key "victim" and its 1-byte length. */
    static int victimListpack(byte[] all) {
        byte[] marker = "\u0010\u0006victim".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i + marker.length < all.length; i++) {
            if (Arrays.equals(all, i, i + marker.length, marker, 0, marker.length)) {
                int len = all[i + marker.length] & 0xff;
                int lp = i + marker.length + 1;
                assertThat(len).as("a 6-bit length").isLessThan(64);
                assertThat(all[lp] & 0xff).as("the listpack's own size").isEqualTo(len);
                return lp;
            }
        }
        throw new AssertionError("no listpack \"victim\" in the file");
    }

    @Test
    void aListpackWhoseCountWasFlippedIsNeverWritten() throws IOException {
        byte[] all = Files.readAllBytes(file.file());
        int lp = victimListpack(all);
        assertThat(all[lp + 4]).as("4 entries: 2 fields, 2 values").isEqualTo((byte) 4);
        all[lp + 4] ^= 0x02; // 6 entries: Redis's RESTORE checks only a listpack's size and end byte
        Path bad = damaged("flipped-count.rdb", all);
        Cli.Result r = Rdbs.importQuiet(bad, target.get().uri());
        assertThat(target.get().cli("EXISTS", "victim")).as("the damaged value was written").isEqualTo("0");
        assertThat(errorLine(r)).matches("ferry: error: flipped-count\\.rdb: corrupt RDB at offset \\d+ \\(key \"victim\", db 0\\): "
                + "listpack header says 6 entries, it holds 4.*");
        partialImport(r, "flipped-count.rdb");
    }

    /** A byte of a plain string value: nothing but the file's checksum can tell. */
    static byte[] flippedString() throws IOException {
        byte[] all = Files.readAllBytes(file.file());
        byte[] v = "value-1000".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + v.length < all.length; i++) {
            if (Arrays.equals(all, i, i + v.length, v, 0, v.length)) {
                all[i + 6] = 'X';
                return all;
            }
        }
        throw new AssertionError("no value-1000 in the file");
    }

    @Test
    void checkFirstRefusesAFlippedByteAndWritesNothing() throws IOException {
        Path bad = damaged("flipped-string.rdb", flippedString());
        Cli.Result r = Rdbs.importQuiet(bad, target.get().uri(), "--check-first");
        assertThat(errorLine(r)).matches("ferry: error: flipped-string\\.rdb: corrupt RDB at offset \\d+: "
                + "checksum mismatch: file says [0-9a-f]{16}, data gives [0-9a-f]{16}");
        assertThat(r.out()).isEmpty();
        assertThat(target.get().dbSize()).isZero();
    }

    @Test
    void withoutCheckFirstAFlippedStringIsFoundAtTheEndAndTheImportCalledDamaged() throws IOException {
        Path bad = damaged("flipped-late.rdb", flippedString());
        Cli.Result r = Rdbs.importQuiet(bad, target.get().uri());
        assertThat(errorLine(r)).contains("checksum mismatch");
        assertThat(r.out().lines().findFirst().orElse("")).startsWith("Damaged file: flipped-late.rdb was read to its end "
                + "but its checksum does not match, so some of the " + String.format(java.util.Locale.ROOT, "%,d", KEYS + 1)
                + " keys written may hold damaged values: the target holds a damaged import");
    }

    @Test
    void checkFirstOnASoundFileImportsIt() {
        Cli.Result r = Rdbs.importQuiet(file.file(), target.get().uri(), "--check-first");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Imported ");
        assertThat(Datasets.perKey(target.get())).isEqualTo(file.perKey());
    }
}
