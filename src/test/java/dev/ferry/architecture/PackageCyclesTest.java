package dev.ferry.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the main code has no cycle (docs/ARCHITECTURE.md): a source never reaches the pipeline or
 * the writer, the writer never reaches a source. Read from the source files: imports and fully qualified names,
 * comments left out.
 */
class PackageCyclesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package (dev\\.ferry[\\w.]*);", Pattern.MULTILINE);
    private static final Pattern NAME = Pattern.compile("\\bdev\\.ferry\\.((?:[a-z]\\w*\\.)*[a-z]\\w*)\\.[A-Z]");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    static Map<String, Set<String>> graph() {
        Map<String, Set<String>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/ferry"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = COMMENTS.matcher(Files.readString(f)).replaceAll("");
                Matcher pkg = PACKAGE.matcher(text);
                if (!pkg.find()) continue;
                String from = pkg.group(1);
                Set<String> uses = g.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher m = NAME.matcher(text);
                while (m.find()) {
                    String to = "dev.ferry." + m.group(1);
                    if (!to.equals(from)) uses.add(to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    @Test
    void thePackageGraphHasNoCycle() {
        Map<String, Set<String>> g = graph();
        assertThat(g).as("the main sources were found").containsKeys("dev.ferry.writer", "dev.ferry.source");
        assertThat(cycles(g)).as("package cycles").isEmpty();
    }

    @Test
    void sourcesKnowOnlyTheirSinkNotThePipelineOrTheWriter() {
        Map<String, Set<String>> g = graph();
        for (String p : List.of("dev.ferry.source", "dev.ferry.source.redis", "dev.ferry.source.dragonfly", "dev.ferry.source.scan")) {
            assertThat(g.get(p)).as(p).doesNotContain("dev.ferry.pipeline", "dev.ferry.writer", "dev.ferry.cli");
        }
        assertThat(g.get("dev.ferry.writer")).doesNotContain("dev.ferry.source", "dev.ferry.pipeline", "dev.ferry.cli");
    }

    /** Every strongly connected group of more than one package (Tarjan). */
    static List<List<String>> cycles(Map<String, Set<String>> g) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<List<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String v : g.keySet()) if (!index.containsKey(v)) connect(v, g, index, low, stack, out, next);
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low,
                                Deque<String> stack, List<List<String>> out, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]++);
        stack.push(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, g, index, low, stack, out, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> group = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                group.add(w);
            } while (!w.equals(v));
            if (group.size() > 1) out.add(group);
        }
    }
}
