package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyReportTest {
    @TempDir
    Path tmp;

    @Test
    void oneJsonLinePerKeyWithBinaryKeysKeptByteForByte() throws Exception {
        Path file = tmp.resolve("report.jsonl");
        try (KeyReport r = KeyReport.open(file)) {
            r.record("skipped", 0, "user:1".getBytes(StandardCharsets.US_ASCII), "already expired");
            r.record("failed", 3, new byte[] {'a', 0, (byte) 0xff, '"', '\\'}, "NOPERM \"no\"");
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).containsExactly(
                "{\"outcome\":\"skipped\",\"db\":0,\"key\":\"user:1\",\"reason\":\"already expired\"}",
                "{\"outcome\":\"failed\",\"db\":3,\"key\":\"a\\u0000\\u00ff\\\"\\\\\",\"reason\":\"NOPERM \\\"no\\\"\"}");
    }
}
