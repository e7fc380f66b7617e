package dev.ferry.rdb;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The shared RDB corpus (not part of the project, for licence reasons); tests skip without it. */
public final class Corpus {
    public static final Path DIR = Paths.get("..", "shared", "rdb-corpus").toAbsolutePath().normalize();

    /** Files Redis 7.0 refuses to load (RDB 12, a module it lacks): each gets its own expectations. */
    public static final List<String> NOT_LOADABLE_BY_REDIS_7_0 = List.of("dump-slot.rdb", "dump-ttlhash.rdb", "module.rdb");

    private Corpus() {
    }

    public static void assumePresent() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "RDB corpus not found at " + DIR + " (tests that need it are skipped)");
    }

    /** Corpus files Redis 7.0 loads, relative to {@link #DIR}; empty without the corpus (for parameter sources). */
    public static List<String> loadableByRedis70() {
        if (!Files.isDirectory(DIR)) return List.of();
        return all().stream().filter(f -> !NOT_LOADABLE_BY_REDIS_7_0.contains(Paths.get(f).getFileName().toString()))
                .collect(Collectors.toList());
    }

    public static Path file(String relative) {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "RDB corpus not found at " + DIR + " (tests that need it are skipped)");
        Path p = DIR.resolve(relative);
        Assumptions.assumeTrue(Files.isRegularFile(p), "corpus file missing: " + p);
        return p;
    }

    static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> all() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "RDB corpus not found at " + DIR + " (tests that need it are skipped)");
        try (Stream<Path> s = Files.walk(DIR)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".rdb") || p.toString().endsWith(".aof"))
                    .map(p -> DIR.relativize(p).toString().replace('\\', '/'))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RecordingVisitor read(String relative, RdbReader.Options options) {
        RecordingVisitor v = new RecordingVisitor();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file(relative)))) {
            new RdbReader(in, v, options).read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return v;
    }

    static RecordingVisitor read(String relative) {
        return read(relative, new RdbReader.Options());
    }
}
