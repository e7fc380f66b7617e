package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way an import can be refused ends the same way for the operator: the documented exit code, exactly
 * one line starting with {@code ferry: } on stderr (no stack trace, no exception class names), and no summary
 * on stdout claiming work that did not finish.
 */
class ImportErrorsIT {
    static final String PASSWORD = "rightpw";
    static final String SECRET = "s3cr3tPW";

    /** requirepass for the default user, plus an ACL user that may only touch keys "allowed:*" (and Ferry's checkpoints). */
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("errors-target")
            .password(PASSWORD).user("writer", "on", ">wpw", "~allowed:*", "~ferry:ckpt:*", "+@all")
            .user("narrow", "on", ">npw", "~allowed:*", "+@all")).flushBeforeEach();

    @TempDir
    static Path tmp;
    static Rdbs.Made sample;
    static Rdbs.Made mixed;
    static final int ALLOWED = 20;
    static final int DENIED = 5;

    @BeforeAll
    static void rdbs() {
        sample = Rdbs.sample(tmp, 7);
        mixed = Rdbs.make(tmp, "mixed.rdb", s -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= ALLOWED; i++) sb.append("SET allowed:").append(i).append(" value-").append(i).append('\n');
            for (int i = 1; i <= DENIED; i++) sb.append("SET denied:").append(i).append(" secret-").append(i).append('\n');
            Rdbs.script(s, sb.toString());
        });
    }

    static String targetUri() {
        return "redis://:" + PASSWORD + "@" + target.get().hostAndPort();
    }

    /**
     * Checks the shape every failure must have and returns the one {@code ferry: } line. A usage error may add
     * picocli's hint line "Try 'ferry import --help'.", nothing else.
     */
    static String oneErrorLine(Cli.Result r, int exitCode) {
        String line = errorLineOnly(r, exitCode);
        assertThat(r.out()).as("nothing is claimed on stdout\n" + r).isEmpty();
        return line;
    }

    /**
     * A run the target stopped after keys were sent: the summary says first that the copy is partial (and how far
     * it is confirmed), the one error line says why.
     */
    static String oneErrorLineAfterPartialSummary(Cli.Result r) {
        String line = errorLineOnly(r, 1);
        assertThat(r.out().lines().findFirst().orElse("")).as(r.toString()).startsWith("Stopped after ")
                .endsWith("holds a partial copy");
        assertThat(r.out()).as(r.toString()).doesNotStartWith("Imported");
        return line;
    }

    private static String errorLineOnly(Cli.Result r, int exitCode) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        List<String> ferry = lines.stream().filter(l -> l.startsWith("ferry: ")).toList();
        assertThat(ferry).as(r.toString()).hasSize(1);
        List<String> others = lines.stream().filter(l -> !l.startsWith("ferry: ")).toList();
        if (exitCode == 2) {
            assertThat(others).as(r.toString()).allMatch(l -> l.equals("Try 'ferry import --help'."));
        } else {
            assertThat(others).as(r.toString()).isEmpty();
        }
        assertThat(r.err()).as(r.toString()).doesNotContain("Exception").doesNotContain("at dev.ferry")
                .doesNotContain("\tat ");
        return ferry.get(0);
    }

    /**
     * A damaged file after some keys were sent: the one error line on stderr, and on stdout the summary of what the
     * target confirmed, whose first line says the import is partial (or damaged); before any key, the line alone.
     */
    static String damagedFileErrorLine(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(1);
        assertThat(lines.get(0)).as(r.toString()).startsWith("ferry: error: ");
        assertThat(r.err()).as(r.toString()).doesNotContain("Exception").doesNotContain("\tat ");
        if (!r.out().isEmpty()) {
            assertThat(r.out()).as(r.toString()).containsPattern("^(Stopped at damage after|Damaged file: )")
                    .contains("  confirmed to  file offset ");
        }
        return lines.get(0);
    }

    // ------------------------------------------------------------------ usage (exit 2)

    @ParameterizedTest
    @ValueSource(strings = {
            "http://x",
            "redis://:" + SECRET + "@127.0.0.1:70000",
            "redis://user:" + SECRET + "@127.0.0.1:0",
            "redis://:" + SECRET + "@127.0.0.1:6379?foo=1",
            "redis://127.0.0.1:6379?password=" + SECRET + "&foo=1",
    })
    void badUriIsAUsageErrorThatNeverShowsThePassword(String uri) {
        Cli.Result r = Rdbs.importQuiet(sample.file(), uri);
        String line = oneErrorLine(r, 2);
        assertThat(line).startsWith("ferry: bad URI '").doesNotContain(SECRET);
        assertThat(r.err()).doesNotContain(SECRET);
        if (uri.startsWith("http")) assertThat(line).contains("unknown scheme 'http'");
        else if (uri.contains("foo=1")) assertThat(line).contains("unknown option 'foo'");
        else assertThat(line).containsPattern("port \\d+ out of range");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Cli.Result r = Rdbs.importQuiet(sample.file(), targetUri(), "--frobnicate");
        assertThat(oneErrorLine(r, 2)).contains("--frobnicate");
        assertThat(target.get().dbSize()).isZero();
    }

    @Test
    void missingTargetIsAUsageError() {
        Cli.Result r = Cli.run("import", sample.file().toString(), "-q");
        assertThat(oneErrorLine(r, 2)).contains("--target");
    }

    // ------------------------------------------------------------------ the file (exit 1)

    @Test
    void missingFile() {
        Path missing = tmp.resolve("nope.rdb");
        Cli.Result r = Rdbs.importQuiet(missing, targetUri());
        assertThat(oneErrorLine(r, 1)).isEqualTo("ferry: error: " + missing + ": no such file");
    }

    @Test
    void directoryInsteadOfFile() {
        Cli.Result r = Rdbs.importQuiet(tmp, targetUri());
        assertThat(oneErrorLine(r, 1)).isEqualTo("ferry: error: " + tmp + " is a directory, not an RDB file");
    }

    @Test
    void textFileIsNotAnRdb() throws IOException {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "hello, this is not a database\nsecond line\n");
        Cli.Result r = Rdbs.importQuiet(text, targetUri());
        assertThat(oneErrorLine(r, 1)).startsWith("ferry: error: notes.txt: not an RDB file")
                .contains("\"hello, th\"");
        assertThat(target.get().dbSize()).isZero();
    }

    /** Cut inside the header, inside the key space, before the EOF opcode and inside the checksum. */
    @ParameterizedTest
    @ValueSource(doubles = {0.001, 0.25, 0.5, 0.9, -9, -1})
    void truncatedRdbNamesAnOffset(double where) throws IOException {
        byte[] all = Files.readAllBytes(sample.file());
        int cut = where < 0 ? all.length + (int) where : Math.max(5, (int) (all.length * where));
        Path part = tmp.resolve("cut-" + cut + ".rdb");
        Files.write(part, Arrays.copyOf(all, cut));
        Cli.Result r = Rdbs.importQuiet(part, targetUri());
        String line = damagedFileErrorLine(r);
        assertThat(line).startsWith("ferry: error: " + part.getFileName() + ": ");
        if (cut >= 9) assertThat(line).containsPattern("offset \\d+");
    }

    @Test
    void flippedChecksumByteNamesTheOffsetAndBothChecksums() throws IOException {
        byte[] all = Files.readAllBytes(sample.file());
        all[all.length - 1] ^= 0x5a;
        Path bad = tmp.resolve("flipped.rdb");
        Files.write(bad, all);
        Cli.Result r = Rdbs.importQuiet(bad, targetUri());
        assertThat(damagedFileErrorLine(r)).startsWith("ferry: error: flipped.rdb: ").containsPattern("offset \\d+")
                .containsPattern("checksum mismatch: file says [0-9a-f]{16}, data gives [0-9a-f]{16}");
    }

    // ------------------------------------------------------------------ the target (exit 1)

    @Test
    void unreachableTarget() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cli.Result r = Rdbs.importQuiet(sample.file(), "redis://:" + SECRET + "@127.0.0.1:" + port);
        assertThat(oneErrorLine(r, 1)).startsWith("ferry: error: cannot connect to 127.0.0.1:" + port).doesNotContain(SECRET);
    }

    @Test
    void wrongPassword() {
        Cli.Result r = Rdbs.importQuiet(sample.file(), "redis://:" + SECRET + "@" + target.get().hostAndPort());
        assertThat(oneErrorLine(r, 1)).contains("WRONGPASS").doesNotContain(SECRET);
        assertThat(target.get().dbSize()).isZero();
    }

    @Test
    void missingPassword() {
        Cli.Result r = Rdbs.importQuiet(sample.file(), target.get().uri());
        assertThat(oneErrorLine(r, 1)).contains("NOAUTH");
        assertThat(target.get().dbSize()).isZero();
    }

    @Test
    void aclUserWithWrongPassword() {
        Cli.Result r = Rdbs.importQuiet(sample.file(), "redis://writer:" + SECRET + "@" + target.get().hostAndPort());
        assertThat(oneErrorLine(r, 1)).contains("WRONGPASS").doesNotContain(SECRET);
        assertThat(target.get().dbSize()).isZero();
    }

    // ------------------------------------------------------------------ keys the target refuses

    @Test
    void refusedKeysAreSkippedCountedAndNamedByDefault() {
        Cli.Result r = Rdbs.importQuiet(mixed.file(), "redis://writer:wpw@" + target.get().hostAndPort());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).as(r.toString())
                .contains("  keys read     " + (ALLOWED + DENIED) + "\n")
                .contains("  keys written  " + ALLOWED + "\n")
                .contains("  failed        " + DENIED + "\n")
                .containsPattern("    " + DENIED + ": NOPERM [^\n]*\n");
        for (int i = 1; i <= DENIED; i++) assertThat(r.out()).contains("      db 0 \"denied:" + i + "\"\n");
        assertThat(r.err()).doesNotContain("Exception");
        Map<String, String> expected = mixed.only((db, key) -> key.startsWith("allowed:"));
        assertThat(expected).hasSize(ALLOWED);
        assertThat(Datasets.perKey(target.get())).isEqualTo(expected);
    }

    @Test
    void onErrorFailStopsWithOneLineNamingARefusedKey() {
        Cli.Result r = Rdbs.importQuiet(mixed.file(), "redis://writer:wpw@" + target.get().hostAndPort(), "--on-error", "fail");
        assertThat(oneErrorLineAfterPartialSummary(r)).matches("ferry: error: target refused key \"denied:[1-5]\" \\(db 0\\): NOPERM .*");
        assertThat(target.get().cli("KEYS", "denied:*")).isEmpty();
    }

    @Test
    void aUserThatMayNotUseTheCheckpointKeysIsToldWhatToGrantBeforeAnythingIsWritten() {
        Cli.Result r = Rdbs.importQuiet(mixed.file(), "redis://narrow:npw@" + target.get().hostAndPort());
        assertThat(ImportErrorsIT.oneErrorLine(r, 2)).isEqualTo("ferry: the target's user may not use Ferry's "
                + "checkpoint keys (ferry:ckpt:*): grant it ~ferry:ckpt:* (or name keys it may use with --checkpoint-prefix), "
                + "or run with --no-checkpoints (a restart then copies everything again)");
        assertThat(target.get().dbSize()).isZero();
        Cli.Result without = Rdbs.importQuiet(mixed.file(), "redis://narrow:npw@" + target.get().hostAndPort(), "--no-checkpoints");
        assertThat(without.out()).as(without.toString()).contains("  keys written  " + ALLOWED + "\n");
    }

    // ------------------------------------------------------------------ what a real process prints

    /**
     * {@link Cli} captures only what picocli writes; logback writes straight to the process's stderr. These run
     * the shaded jar ({@code target/ferry.jar}, built by {@code package} before failsafe runs) as a child
     * process so stderr is exactly what an operator sees.
     */
    static Cli.Result runJar(String... args) throws IOException, InterruptedException {
        Path jar = Path.of("target", "ferry.jar").toAbsolutePath();
        assertThat(jar).exists();
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("jar-" + System.nanoTime() + ".out");
        Path err = tmp.resolve("jar-" + System.nanoTime() + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("ferry process finished").isTrue();
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void realProcessBadUriPrintsOneLine() throws Exception {
        Cli.Result r = runJar("import", sample.file().toString(), "--target", "redis://:" + SECRET + "@127.0.0.1:70000", "-q");
        assertThat(oneErrorLine(r, 2)).isEqualTo("ferry: bad URI 'redis://***@127.0.0.1:70000': port 70000 out of range");
    }

    @Test
    void realProcessCorruptRdbPrintsOnlyTheErrorLine() throws Exception {
        byte[] all = Files.readAllBytes(sample.file());
        Path part = tmp.resolve("cut-for-process.rdb");
        Files.write(part, Arrays.copyOf(all, all.length / 2));
        Cli.Result r = runJar("import", part.toString(), "--target", targetUri(), "-q");
        assertThat(damagedFileErrorLine(r)).startsWith("ferry: error: cut-for-process.rdb: ").containsPattern("offset \\d+");
    }

    @Test
    void realProcessOnErrorFailPrintsThePartialSummaryAndOneErrorLine() throws Exception {
        Cli.Result r = runJar("import", mixed.file().toString(), "--target", "redis://writer:wpw@" + target.get().hostAndPort(),
                "-q", "--on-error", "fail");
        assertThat(oneErrorLineAfterPartialSummary(r)).matches("ferry: error: target refused key \"denied:[1-5]\" \\(db 0\\): NOPERM .*");
    }

    @Test
    void realProcessExitOneAfterSkippedFailuresExplainsItselfInOneLine() throws Exception {
        Cli.Result r = runJar("import", mixed.file().toString(), "--target", "redis://writer:wpw@" + target.get().hostAndPort(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(1);
        assertThat(lines.get(0)).as(r.toString()).startsWith("ferry: error: ").contains(DENIED + " key");
        assertThat(r.out()).contains("  failed        " + DENIED + "\n");
    }
}
