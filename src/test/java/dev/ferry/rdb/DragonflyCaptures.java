package dev.ferry.rdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** The recordings of real Dragonfly v1.40 replication in ../shared/dragonfly-captures, flow by flow. */
final class DragonflyCaptures {
    static final Path DIR = Paths.get("..", "shared", "dragonfly-captures").toAbsolutePath().normalize();

    /** One flow connection: what the master sent after its FULL/PARTIAL reply, and the analysis of it. */
    record Flow(String scenario, int conn, int flowId, String syncId, boolean full, byte[] stream, JsonNode analysis) {
    }

    private DragonflyCaptures() {
    }

    static void assumePresent() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "the Dragonfly captures are not at " + DIR + " (../shared absent)");
    }

    static List<Flow> flows(String scenario) {
        assumePresent();
        Path dir = DIR.resolve(scenario);
        try {
            JsonNode analysis = new ObjectMapper().readTree(dir.resolve("analysis.json").toFile());
            List<Flow> out = new ArrayList<>();
            for (JsonNode c : analysis.get("connections")) {
                if (!"flow".equals(c.path("role").asText())) continue;
                int conn = c.get("conn").asInt();
                byte[] all = Files.readAllBytes(dir.resolve("conn-" + conn + ".s2c.bin"));
                int start = afterReply(all);
                byte[] stream = java.util.Arrays.copyOfRange(all, start, all.length);
                out.add(new Flow(scenario, conn, c.get("flow_id").asInt(), c.get("sync_id").asText(),
                        "FULL".equals(c.path("flow_reply").asText()), stream, c));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the binary stream begins: after the three lines of {@code *2 +FULL|PARTIAL +token}. */
    private static int afterReply(byte[] b) {
        int lines = 0;
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && ++lines == 3) return i + 2;
        }
        throw new IllegalStateException("no FLOW reply");
    }
}
