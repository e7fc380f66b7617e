package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * RDB files for the CLI integration tests, each made by a real server (written, then SAVE), together with
 * that server's own per-key view of the data, which is what an import of the file must reproduce.
 */
final class Rdbs {
    private Rdbs() {
    }

    /** An RDB file and the per-key map ({@link Datasets#perKey}) of the server that wrote it. */
    record Made(Path file, Map<String, String> perKey) {
        /** The expected map with only the entries ("db:key") {@code keep} accepts. */
        Map<String, String> only(BiPredicate<Integer, String> keep) {
            Map<String, String> out = new TreeMap<>();
            perKey.forEach((k, v) -> {
                int colon = k.indexOf(':');
                if (keep.test(Integer.parseInt(k.substring(0, colon)), k.substring(colon + 1))) out.put(k, v);
            });
            return out;
        }

        /** The expected map with source db {@code from} renamed to {@code to}. */
        static Map<String, String> moveDb(Map<String, String> m, int from, int to) {
            Map<String, String> out = new TreeMap<>();
            m.forEach((k, v) -> {
                int colon = k.indexOf(':');
                int db = Integer.parseInt(k.substring(0, colon));
                out.put((db == from ? to : db) + k.substring(colon), v);
            });
            return out;
        }
    }

    /** SampleData (every type, db 0 and db 1, TTLs a day away, a function library) saved by a real server. */
    static Made sample(Path dir, int seed) {
        return make(dir, "sample-" + seed + ".rdb", s -> {
            try (RespConnection c = Datasets.connect(s)) {
                SampleData.populate(c, seed);
            }
        });
    }

    /** Runs {@code fill} against a fresh server, SAVEs, and copies dump.rdb to {@code dir/name}. */
    static Made make(Path dir, String name, Consumer<RedisServer> fill) {
        try (RedisServer s = RedisServer.builder().name("rdb-source").start()) {
            fill.accept(s);
            assertThat(s.cli("SAVE")).isEqualTo("OK");
            Path out = dir.resolve(name);
            Files.copy(s.rdbPath(), out);
            return new Made(out, Datasets.perKey(s));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs redis-cli commands (one per line) on one connection and checks none was refused. */
    static void script(RedisServer s, String commands) {
        var r = s.cliScript(commands);
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.out()).as("replies of\n" + commands).doesNotContain("ERR").doesNotContain("WRONGTYPE");
    }

    /** The import command line with {@code -q}. */
    static Cli.Result importQuiet(Path file, String target, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("import", file.toString(), "--target", target, "-q"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(new String[0]));
    }
}
