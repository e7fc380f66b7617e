package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module value (RDB type 7, MODULE_2) whose module the target has not loaded: the target could only answer
 * "Bad data format", so Ferry never sends it. It is an unsupported value, skipped with a reason naming the
 * module, or the end of the run under {@code --on-unsupported fail}.
 */
class ModuleValueImportIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    @TempDir
    Path tmp;

    @BeforeEach
    void resetErrorCounters() {
        target.get().cli("CONFIG", "RESETSTAT");
    }

    /** Module ids: 9 characters of a 64-symbol charset, 6 bits each, then a 10-bit encoding version. */
    static long moduleId(String name, int encver) {
        String charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        long id = 0;
        for (char c : name.toCharArray()) id = (id << 6) | charset.indexOf(c);
        return (id << 10) | encver;
    }

    /** A string, a value of Redis's example module "hellotype" (a list of signed integers), another string. */
    private Path file() throws Exception {
        RdbFiles f = new RdbFiles(10).raw(254).len(0)
                .raw(0).string("plain").string("v")
                .raw(7).string("mod").len(moduleId("hellotype", 0))
                .raw(2).len(3)                          // RedisModule_SaveUnsigned: 3 elements
                .raw(1).len(10).raw(1).len(20).raw(1).len(30)   // RedisModule_SaveSigned each
                .raw(0)                                 // module value EOF
                .raw(0).string("after").string("w");
        Path file = tmp.resolve("module2.rdb");
        Files.write(file, f.end(true));
        return file;
    }

    @Test
    void skippedWithTheModuleNamedNeverSent() throws Exception {
        RedisServer t = target.get();
        Path report = tmp.resolve("report.jsonl");
        Cli.Result r = Cli.run("import", file().toString(), "--target", t.uri(), "-q", "--report", report.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("keys written  2").contains("skipped       1").contains("failed        0")
                .contains("module value of type \"hellotype\"").contains("has no module \"hellotype\" loaded");
        assertThat(t.cli("GET", "plain")).isEqualTo("v");
        assertThat(t.cli("GET", "after")).isEqualTo("w");
        assertThat(t.cli("EXISTS", "mod")).isEqualTo("0");
        // nothing was refused: the value never reached the target
        assertThat(t.infoField("stats", "total_error_replies")).isEqualTo("0");
        List<String> lines = Files.readAllLines(report);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("{\"outcome\":\"skipped\",\"db\":0,\"key\":\"mod\",\"reason\":\"module value of type")
                .contains("hellotype");
    }

    @Test
    void onUnsupportedFailStopsWithOneLine() throws Exception {
        RedisServer t = target.get();
        Cli.Result r = Cli.run("import", file().toString(), "--target", t.uri(), "-q", "--on-unsupported", "fail");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("ferry: error: ").contains("key \"mod\"")
                .contains("has no module \"hellotype\" loaded").doesNotContain("Exception");
        assertThat(t.cli("EXISTS", "mod")).isEqualTo("0");
        assertThat(t.infoField("stats", "total_error_replies")).isEqualTo("0");
    }
}
