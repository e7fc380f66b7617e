package dev.ferry.verify;

import dev.ferry.util.JsonText;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/** --report: one JSON object per differing key, with the key both printable and exact (base64). */
final class DifferenceReport {
    private DifferenceReport() {
    }

    static void write(Path file, List<Difference> differences) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Difference d : differences) {
                w.write("{\"db\":" + d.db() + ",\"key\":" + JsonText.quoted(VerifyJob.printable(d.key())) + ",\"key_base64\":\""
                        + Base64.getEncoder().encodeToString(d.key()) + "\",\"kind\":\"" + d.kind().label() + "\",\"source\":"
                        + side(d.source()) + ",\"target\":" + side(d.target()) + "}");
                w.newLine();
            }
        }
    }

    private static String side(Probe p) {
        if (p == null || !p.exists()) return "null";
        return "{\"type\":" + JsonText.quoted(p.type()) + ",\"length\":" + p.length() + ",\"ttl_ms\":" + p.ttlMs() + "}";
    }
}
