package dev.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** The shared RDB corpus (../shared/rdb-corpus), read in place: its files keep their own licences. */
final class Corpus {
    static final Path DIR = Paths.get("..", "shared", "rdb-corpus").toAbsolutePath().normalize();

    /** Files Redis 7.0 refuses to load (RDB 12, a module it lacks): each gets its own expectations. */
    static final List<String> NOT_LOADABLE_BY_70 = List.of("dump-slot.rdb", "dump-ttlhash.rdb", "module.rdb");

    private Corpus() {
    }

    static void assumePresent() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "RDB corpus not found at " + DIR + " (it lives in the steering repo's shared/ folder)");
    }

    static List<Path> files() {
        if (!Files.isDirectory(DIR)) return List.of();
        try (Stream<Path> s = Files.walk(DIR)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("README.md"))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path file(String relative) {
        return DIR.resolve(relative);
    }
}
