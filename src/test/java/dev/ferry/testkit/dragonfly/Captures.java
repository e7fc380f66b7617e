package dev.ferry.testkit.dragonfly;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The recorded Dragonfly v1.40 replication traffic in ../shared (skips the test when it is not there). */
final class Captures {
    static final Path ROOT = Path.of("..", "shared", "dragonfly-captures");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Captures() {
    }

    static Path dir(String scenario) {
        Path d = ROOT.resolve(scenario);
        assumeTrue(Files.isDirectory(d), "Dragonfly captures not found at " + d.toAbsolutePath()
                + " (they live outside the repository, in the shared folder)");
        return d;
    }

    static byte[] bytes(String scenario, String file) {
        try {
            return Files.readAllBytes(dir(scenario).resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String scenario, String file) {
        try {
            return JSON.readTree(dir(scenario).resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The flow connection's reply length: "*2\r\n+FULL\r\n+<40>\r\n" or the PARTIAL form. */
    static int flowReplyLength(byte[] s2c) {
        int crlf = 0;
        for (int i = 0; i < s2c.length; i++) {
            if (s2c[i] == '\n' && ++crlf == 3) return i + 1;
        }
        throw new IllegalStateException("no FLOW reply");
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
