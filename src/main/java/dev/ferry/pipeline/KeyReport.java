package dev.ferry.pipeline;

import dev.ferry.util.JsonText;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * --report FILE: one JSON object per line for every key that was not written exactly as the source holds
 * it — {"outcome":"skipped|failed|warned","db":0,"key":"...","reason":"..."}. The key is a JSON string
 * with one character per byte (bytes outside printable ASCII as \\u00XX), so binary keys survive exactly.
 */
public final class KeyReport implements AutoCloseable {
    private final BufferedWriter out;

    private KeyReport(BufferedWriter out) {
        this.out = out;
    }

    public static KeyReport open(Path file) throws IOException {
        try {
            return new KeyReport(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("cannot write the report " + file + ": " + e.getClass().getSimpleName()
                    .replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT), e);
        }
    }

    public synchronized void record(String outcome, int db, byte[] key, String reason) {
        StringBuilder sb = new StringBuilder(64 + key.length + reason.length());
        sb.append("{\"outcome\":\"").append(outcome).append("\",\"db\":").append(db).append(",\"key\":\"");
        for (byte b : key) JsonText.append(sb, (char) (b & 0xff));
        sb.append("\",\"reason\":\"");
        for (int i = 0; i < reason.length(); i++) JsonText.append(sb, reason.charAt(i));
        sb.append("\"}\n");
        try {
            out.write(sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the key report: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
