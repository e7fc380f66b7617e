package dev.ferry.testkit.dragonfly.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the Dragonfly replication captures live. They sit beside the project (not inside it: 22 MB of
 * recorded traffic has no business in the repository), so tests that need them skip when they are absent.
 */
public final class Captures {
    /** {@code ../shared/dragonfly-captures} from the project root, which is Maven's working directory for tests. */
    public static final Path ROOT = Paths.get(System.getProperty("basedir", "."), "..", "shared", "dragonfly-captures")
            .toAbsolutePath().normalize();

    private Captures() {
    }

    public static Path dir(String scenario) {
        return ROOT.resolve(scenario);
    }

    public static boolean available(String scenario) {
        return Files.isRegularFile(dir(scenario).resolve("index.jsonl"));
    }

    /** Skips the calling test, saying why, when the scenario's capture is not on this machine. */
    public static Path require(String scenario) {
        Assumptions.assumeTrue(available(scenario), () -> "Dragonfly capture '" + scenario + "' not found at " + dir(scenario)
                + " (the captures are shared beside the project, not part of it); skipping");
        return dir(scenario);
    }
}
