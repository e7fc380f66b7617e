package dev.ferry.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) scraping one target once a second, started as a
 * plain child process on a free loopback port and stopped by its PID: the exposition format is proved by the
 * parser that reads it in production, and the README's scrape config with it. Where the binary is missing the
 * test is skipped, saying what to install, except under CI ({@code CI} set), where it fails.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final int port;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** The binary, or the test ends here: skipped outside CI, failed under it. */
    public static Path binary(String name) {
        Path p = Path.of("/usr/bin", name);
        if (Files.isExecutable(p)) return p;
        String why = name + " is not installed (apt-get install prometheus)";
        if (System.getenv("CI") != null) throw new AssertionError(why + ": CI must install it (.ci/run)");
        Assumptions.abort(why);
        return p;
    }

    /** Starts Prometheus scraping {@code target} (host:port) as job "ferry", every second, with {@code extra} lines in its job. */
    public static PrometheusServer scraping(String target, List<String> extra) throws IOException {
        Path bin = binary("prometheus");
        Path dir = Files.createTempDirectory("ferry-prometheus");
        ProcessRegistry.deleteAtExit(dir);
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                + "scrape_configs:\n  - job_name: ferry\n    static_configs:\n      - targets: ['" + target + "']\n");
        for (String line : extra) config.append("    ").append(line).append('\n');
        Files.writeString(dir.resolve("prometheus.yml"), config.toString());
        for (int attempt = 0; ; attempt++) {
            int port = RedisTools.freePort();
            Process p = new ProcessBuilder(bin.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            ProcessRegistry.register(p);
            PrometheusServer s = new PrometheusServer(p, port, dir);
            if (s.awaitReady(Duration.ofSeconds(30))) return s;
            s.close();
            if (attempt == 2) throw new AssertionError("prometheus did not start: " + Files.readString(dir.resolve("prometheus.log")));
        }
    }

    private boolean awaitReady(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return true;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            RedisTools.sleep(Duration.ofMillis(100));
        }
        return false;
    }

    /** The result vector of an instant query, as Prometheus' API returns it (data.result). */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (!"success".equals(body.path("status").asText())) throw new AssertionError("query " + promql + ": " + r.body());
        return body.path("data").path("result");
    }

    /** The scrape target's state: health ("up"), lastError, as Prometheus' /api/v1/targets says. */
    public JsonNode target() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/targets"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode active = JSON.readTree(r.body()).path("data").path("activeTargets");
        return active.size() == 0 ? null : active.get(0);
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("prometheus.log"));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ProcessRegistry.unregister(process);
    }
}
