package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The summaries say what is so, in one number format. */
class SummaryTruthsIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("truths-src")
            .args("--notify-keyspace-events", "KA")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("truths-dst")).flushBeforeEach();

    @TempDir
    static Path tmp;

    static final String LIBRARY = "#!lua name=onlylib\nredis.register_function('one', function(keys, args) return 1 end)";

    /** A file that holds only a function library: confirmed to its end once the library is loaded, and bytes were sent. */
    @Test
    void aFileOfOnlyAFunctionIsConfirmedToItsEnd() throws Exception {
        target.get().cli("FUNCTION", "FLUSH");
        Rdbs.Made made = Rdbs.make(tmp, "function-only.rdb", s -> s.cli("FUNCTION", "LOAD", LIBRARY));
        long size = Files.size(made.file());
        Cli.Result r = Rdbs.importQuiet(made.file(), target.get().uri());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString())
                .contains("  functions     1 library loaded\n")
                .contains(String.format("  confirmed to  file offset %,d%n", size))
                .doesNotContain("offset -1")
                .doesNotContain("sent          0 B");
        assertThat(Datasets.functions(target.get()).toString()).contains("onlylib");
    }

    static void fill(RedisServer s, int n) {
        try (RespConnection c = Datasets.connect(s)) {
            RespOutput out = new RespOutput(64 * 1024);
            for (int i = 0; i < n; i++) out.command(3).arg("SET").arg("key:" + i).arg("value-" + i);
            out.writeTo(c.output());
            c.output().flush();
            for (int i = 0; i < n; i++) assertThat(c.reader().read().isError()).isFalse();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** verify printed "1500" where import printed "1,500". */
    @Test
    void verifyCountsUseThousandsSeparators() {
        fill(source.get(), 1_499);
        fill(target.get(), 1_499);
        try (RespConnection c = Datasets.connect(source.get())) {
            String[] push = new String[2 + 1_200];
            push[0] = "RPUSH";
            push[1] = "biglist";
            for (int i = 0; i < 1_200; i++) push[2 + i] = "e" + i;
            c.callOk(push);
        }
        Cli.Result r = Cli.run("verify", "--source", source.get().uri(), "--target", target.get().uri(), "-q",
                "--rounds", "1");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.out()).as(r.toString())
                .containsPattern("source keys checked +1,500\n")
                .containsPattern("target keys checked +1,499\n")
                .contains("(source list of length 1,200, target absent)");
    }

    /** The scan summary said "keyspace events: keyspace events: ...". */
    @Test
    void theScanSummaryNamesKeyspaceEventsOnce() {
        fill(source.get(), 1_200);
        Cli.Result r = Cli.run("replicate", "--scan", "--source", source.get().uri(), "--target", target.get().uri(),
                "--run-for", "2", "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Matcher m = Pattern.compile("(?m)^ *(keyspace events:.*)$").matcher(r.out());
        assertThat(m.find()).as(r.toString()).isTrue();
        assertThat(m.group(1)).as(r.toString()).doesNotContain("keyspace events: keyspace events")
                .matches("keyspace events: [\\d,]+ received, .*");
        assertThat(r.out()).as(r.toString()).contains("  keys written      1,200\n");
    }
}
