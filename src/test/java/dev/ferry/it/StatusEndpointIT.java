package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.cli.Cli;
import dev.ferry.testkit.DatasetDiff;
import dev.ferry.testkit.Preload;
import dev.ferry.testkit.PrometheusServer;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisTools;
import dev.ferry.testkit.Workload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry replicate --status-port}: /status tells the truth about a run under a workload (its snapshot, its
 * position against the source's own offset, its lag back to zero when the writes stop, its counts against the
 * target), /metrics is read by a real Prometheus server and passes promtool's lint, and an address other than
 * loopback is refused without a token.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StatusEndpointIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BackgroundRun background = new BackgroundRun();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private CompletableFuture<Cli.Result> run;
    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        background.close();
    }

    @Test
    void statusTellsTheTruthUnderAWorkloadAndPrometheusReadsTheMetrics() throws Exception {
        RedisServer source = background.server("status-src");
        RedisServer target = background.server("status-dst");
        long preloaded = Preload.on(source).keys(2_000).run();
        int port = RedisTools.freePort();
        run = background.replicate(source, target, "--status-port", Integer.toString(port));
        String base = "http://127.0.0.1:" + port;

        JsonNode live = awaitStatus(base, s -> s.path("phase").asText().equals("live"), "phase live");
        assertThat(live.path("command").asText()).isEqualTo("replicate");
        assertThat(live.path("source").asText()).isEqualTo(source.uri());
        assertThat(live.path("target").asText()).isEqualTo(target.uri());
        assertThat(live.path("runId").asText()).matches("[0-9a-f]{8}");
        JsonNode shard = live.path("shards").get(0);
        assertThat(live.path("shards").size()).isEqualTo(1);
        assertThat(shard.path("name").asText()).isEqualTo("master 127.0.0.1:" + source.port());
        assertThat(shard.path("phase").asText()).isEqualTo("live");
        assertThat(shard.path("snapshot").path("done").asBoolean()).isTrue();
        assertThat(shard.path("snapshot").path("bytesRead").asLong()).isPositive();
        assertThat(shard.path("position").path("kind").asText()).isEqualTo("repl");
        assertThat(shard.path("position").path("replid").asText()).isEqualTo(source.infoField("replication", "master_replid"));
        // the snapshot's keys: every one read and written, as the target holds them
        assertThat(live.path("keys").path("read").asLong()).isEqualTo(preloaded);
        assertThat(live.path("keys").path("written").asLong()).isEqualTo(preloaded);
        // the RDB said how many keys it holds: the progress counted against it
        assertThat(live.path("keys").path("expected").asLong()).isEqualTo(preloaded);
        assertThat(live.path("keys").path("percent").asDouble()).isEqualTo(100.0);
        assertThat(live.path("keys").path("etaSeconds").isNull()).isTrue();
        assertThat(Long.parseLong(target.cli("DBSIZE").trim()) - checkpointKeys(target)).isEqualTo(preloaded);
        JsonNode node = live.path("writer").path("nodes").get(0);
        assertThat(node.path("address").asText()).isEqualTo("127.0.0.1:" + target.port());
        assertThat(node.path("connections").asInt()).isPositive();
        assertThat(live.path("checkpoint").path("enabled").asBoolean()).isTrue();
        assertThat(live.path("checkpoint").path("prefix").asText()).isEqualTo(DatasetDiff.CHECKPOINT_PREFIX);

        Workload load = Workload.on(source).seed(14).rate(1_500).start();
        JsonNode busy = awaitStatus(base, s -> s.path("shards").get(0).path("readRate").asDouble() > 0
                && s.path("writer").path("writeRate").asDouble() > 0, "read and write rates above 0 under the workload");
        assertThat(busy.path("shards").get(0).path("commandsRead").asLong()).isPositive();
        Workload.Stats sent = load.stop();
        assertThat(sent.ops()).isPositive();

        // when the writes stop, the lag falls to zero and the confirmed offset reaches the source's own
        long sourceOffset = Long.parseLong(source.infoField("replication", "master_repl_offset"));
        JsonNode caughtUp = awaitStatus(base, s -> {
            JsonNode sh = s.path("shards").get(0);
            return sh.path("position").path("offset").asLong() >= sourceOffset && sh.path("lag").path("bytes").asLong() == 0
                    && sh.path("lag").path("seconds").asDouble() == 0.0;
        }, "offset " + sourceOffset + " confirmed with no lag");
        JsonNode sh = caughtUp.path("shards").get(0);
        assertThat(sh.path("lag").path("records").isNull()).as("a Redis shard counts its lag in bytes").isTrue();
        assertThat(sh.path("reconnects").asLong()).isZero();
        assertThat(sh.path("resyncs").asLong()).isZero();
        DatasetDiff.awaitEqual(DatasetDiff.Side.of("source", source), DatasetDiff.Side.of("target", target),
                Duration.ofSeconds(30), () -> assertThat(run).isNotDone());
        assertThat(caughtUp.path("writer").path("commandsApplied").asLong()).isPositive();
        assertThat(caughtUp.path("failed").path("total").asLong()).isZero();
        assertThat(caughtUp.path("checkpoint").path("ageSeconds").asDouble()).isLessThan(5.0);
        assertThat(caughtUp.path("checkpoint").path("lastWrittenAt").asText()).endsWith("Z");

        // the history the dashboard draws: samples every 2 s, each with this shard
        JsonNode history = get(base + "/history");
        JsonNode samples = history.path("samples");
        assertThat(history.path("intervalSeconds").asInt()).isEqualTo(2);
        assertThat(samples.size()).isGreaterThanOrEqualTo(2);
        JsonNode last = samples.get(samples.size() - 1);
        assertThat(last.path("shards").get(0).path("name").asText()).isEqualTo(sh.path("name").asText());
        long lastT = last.path("t").asLong();
        assertThat(get(base + "/history?since=" + lastT).path("samples").size()).as("nothing after the newest sample").isZero();

        // the exposition: promtool's lint, then a real Prometheus scraping it, its values those of /status
        String metrics = text(base + "/metrics");
        Process promtool = new ProcessBuilder(PrometheusServer.binary("promtool").toString(), "check", "metrics")
                .redirectErrorStream(true).start();
        promtool.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor()).as("promtool check metrics: " + lint).isZero();
        assertThat(lint).isEmpty();
        try (PrometheusServer prometheus = PrometheusServer.scraping("127.0.0.1:" + port, List.of())) {
            JsonNode written = awaitQuery(prometheus, "ferry_keys_written_total", r -> r.size() == 1);
            JsonNode status = get(base + "/status");
            assertThat(value(written.get(0))).isEqualTo(status.path("keys").path("written").asDouble());
            JsonNode applied = awaitQuery(prometheus, "ferry_commands_applied_total", r -> r.size() == 1
                    && value(r.get(0)) == status.path("writer").path("commandsApplied").asDouble());
            assertThat(applied.get(0).path("metric").path("job").asText()).isEqualTo("ferry");
            JsonNode lag = awaitQuery(prometheus, "ferry_shard_lag_seconds", r -> r.size() == 1);
            assertThat(lag.get(0).path("metric").path("shard").asText()).isEqualTo(sh.path("name").asText());
            assertThat(value(lag.get(0))).isEqualTo(0.0);
            JsonNode phase = awaitQuery(prometheus, "ferry_phase == 1", r -> r.size() == 1);
            assertThat(phase.get(0).path("metric").path("phase").asText()).isEqualTo("live");
            JsonNode offset = awaitQuery(prometheus, "ferry_shard_confirmed_position", r -> r.size() == 1);
            assertThat((long) value(offset.get(0))).isGreaterThanOrEqualTo(sourceOffset);
            JsonNode scrape = prometheus.target();
            assertThat(scrape.path("health").asText()).as(scrape.toString()).isEqualTo("up");
            assertThat(scrape.path("lastError").asText()).isEmpty();
        }

        Cli.interrupt();
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).contains("status: http://127.0.0.1:" + port + "/");
    }

    @Test
    void anAddressBeyondLoopbackNeedsAToken() throws Exception {
        RedisServer source = background.server("status-src");
        RedisServer target = background.server("status-dst");
        source.cli("SET", "k", "v");
        Cli.Result refused = Cli.run("replicate", "--source", source.uri(), "--target", target.uri(), "-q",
                "--status-port", Integer.toString(RedisTools.freePort()), "--status-bind", "0.0.0.0");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err().strip().lines().count()).as(refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("--status-bind 0.0.0.0 is not a loopback address").contains("needs a token")
                .doesNotContain("Exception");
        assertThat(target.cli("DBSIZE").trim()).as("nothing written before the refusal").isEqualTo("0");

        String token = "tok-" + Long.toHexString(System.nanoTime());
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, token + "\n");
        int port = RedisTools.freePort();
        run = background.replicate(source, target, "--status-port", Integer.toString(port), "--status-bind", "0.0.0.0",
                "--status-token-file", tokenFile.toString());
        String base = "http://127.0.0.1:" + port;
        HttpResponse<String> bare = awaitAnswer(base + "/status", null);
        assertThat(bare.statusCode()).isEqualTo(401);
        assertThat(bare.body()).contains("a token is needed").doesNotContain(token);
        assertThat(send(base + "/metrics", "Bearer wrong-" + token).statusCode()).isEqualTo(401);
        HttpResponse<String> ok = send(base + "/status", "Bearer " + token);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).path("command").asText()).isEqualTo("replicate");
        assertThat(send(base + "/metrics", "Bearer " + token).body()).contains("ferry_phase{phase=\"");
        // the dashboard takes the token once and keeps a cookie that is not the token
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/?token=" + token)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location")).hasValue("/");
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("ferry_token=").contains("HttpOnly").contains("SameSite=Strict").doesNotContain(token);
        String pair = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> withCookie = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).header("Cookie", pair)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withCookie.statusCode()).isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/status")).header("Cookie", "ferry_token=" + token)
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("the token itself is no cookie").isEqualTo(401);
        // Prometheus scrapes it with the token from a file, as the README's scrape config says
        try (PrometheusServer prometheus = PrometheusServer.scraping("127.0.0.1:" + port,
                List.of("authorization:", "  credentials_file: " + tokenFile))) {
            JsonNode info = awaitQuery(prometheus, "ferry_run_info", r -> r.size() == 1);
            assertThat(info.get(0).path("metric").path("command").asText()).isEqualTo("replicate");
            assertThat(prometheus.target().path("health").asText()).isEqualTo("up");
        }
    }

    @Test
    void withoutATokenOnlyLoopbackHostNamesAreAnsweredAndBadOptionsAreOneLine() throws Exception {
        RedisServer source = background.server("status-src");
        RedisServer target = background.server("status-dst");
        // a port another process holds: one line, exit 2, before anything is written
        try (java.net.ServerSocket held = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli.Result busy = Cli.run("replicate", "--source", source.uri(), "--target", target.uri(), "-q",
                    "--status-port", Integer.toString(held.getLocalPort()));
            assertThat(busy.exitCode()).as(busy.toString()).isEqualTo(2);
            assertThat(busy.err().strip().lines().count()).as(busy.err()).isEqualTo(1);
            assertThat(busy.err()).contains("--status-port " + held.getLocalPort()).contains("choose another port");
            assertThat(target.cli("DBSIZE").trim()).isEqualTo("0");
        }
        Cli.Result noPort = Cli.run("replicate", "--source", source.uri(), "--target", target.uri(), "-q",
                "--status-bind", "0.0.0.0");
        assertThat(noPort.exitCode()).isEqualTo(2);
        assertThat(noPort.err()).contains("need --status-port");

        int port = RedisTools.freePort();
        run = background.replicate(source, target, "--status-port", Integer.toString(port));
        String base = "http://127.0.0.1:" + port;
        assertThat(awaitAnswer(base + "/status", null).statusCode()).isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // a web page elsewhere that re-points its own host name at 127.0.0.1 must not read the run's status
        Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                "Host: rebound.example:" + port, base + "/status").start();
        assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("401");
        for (String host : List.of("127.0.0.1.rebound.example", "127.0.0.1:" + port + "@rebound.example")) {
            Process c = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: " + host, base + "/status").start();
            assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as(host).isEqualTo("401");
        }
        Process other = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: 127.0.0.2:" + port,
                base + "/status").start();
        assertThat(new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("200");
        assertThat(send(base + "/nope", null).statusCode()).isEqualTo(404);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/status")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);

    }

    /**
     * An import and a verify serve their status too: held up by a target paused for a few seconds, each answers
     * what it is doing (the file as its one shard, read against its size; the verify's round and counts).
     */
    @Test
    void importAndVerifyServeTheirStatusWhileHeldUp() throws Exception {
        RedisServer source = background.server("status-src");
        RedisServer target = background.server("status-dst");
        long keys = Preload.on(source).keys(3_000).run();
        source.cli("SAVE");
        Path rdb = tmp.resolve("dump.rdb");
        Files.copy(source.dir().resolve("dump.rdb"), rdb);
        int port = RedisTools.freePort();
        String base = "http://127.0.0.1:" + port;
        target.cli("CLIENT", "PAUSE", "4000", "WRITE");
        run = background.start("import", rdb.toString(), "--target", target.uri(), "-q", "--status-port", Integer.toString(port));
        JsonNode importing = awaitStatus(base, s -> s.path("keys").path("read").asLong() > 0, "the import reading keys");
        assertThat(importing.path("command").asText()).isEqualTo("import");
        assertThat(importing.path("phase").asText()).isEqualTo("snapshot");
        assertThat(importing.path("source").asText()).isEqualTo(rdb.toString());
        JsonNode file = importing.path("shards").get(0);
        assertThat(file.path("name").asText()).isEqualTo("dump.rdb");
        assertThat(file.path("snapshot").path("bytesTotal").asLong()).isEqualTo(Files.size(rdb));
        assertThat(file.path("positionUnit").asText()).isEqualTo("file offset");
        assertThat(importing.path("keys").path("expected").asLong()).isEqualTo(keys);
        Cli.Result imported = run.get(60, TimeUnit.SECONDS);
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
        assertThat(Long.parseLong(target.cli("DBSIZE").trim()) - checkpointKeys(target)).isEqualTo(keys);

        int verifyPort = RedisTools.freePort();
        String verifyBase = "http://127.0.0.1:" + verifyPort;
        target.cli("CLIENT", "PAUSE", "4000", "ALL");
        run = background.start("verify", "--source", source.uri(), "--target", target.uri(), "-q", "--status-port",
                Integer.toString(verifyPort));
        JsonNode verifying = awaitStatus(verifyBase, s -> s.path("verify").path("round").asInt() >= 1, "the verify's first round");
        assertThat(verifying.path("command").asText()).isEqualTo("verify");
        assertThat(verifying.path("phase").asText()).isEqualTo("verifying");
        assertThat(verifying.path("verify").path("rounds").asInt()).isEqualTo(3);
        assertThat(verifying.path("shards").size()).isZero();
        assertThat(text(verifyBase + "/metrics")).contains("ferry_verify_round ").contains("ferry_run_info{command=\"verify\"");
        Cli.Result verified = run.get(60, TimeUnit.SECONDS);
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
    }

    /** The README's scrape config and alert rules are what Prometheus accepts. */
    @Test
    void theReadmesScrapeConfigAndAlertsPassPromtool() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String config = yamlBlock(readme, "scrape_configs:\n  - job_name: ferry");
        String rules = yamlBlock(readme, "groups:\n  - name: ferry");
        Path token = tmp.resolve("ferry-token");
        Files.writeString(token, "t");
        Files.writeString(tmp.resolve("prometheus.yml"), config.replace("/etc/prometheus/ferry-token", token.toString()));
        Files.writeString(tmp.resolve("rules.yml"), rules);
        for (List<String> check : List.of(List.of("check", "config", tmp.resolve("prometheus.yml").toString()),
                List.of("check", "rules", tmp.resolve("rules.yml").toString()))) {
            List<String> cmd = new ArrayList<>(List.of(PrometheusServer.binary("promtool").toString()));
            cmd.addAll(check);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
            assertThat(out).contains("SUCCESS");
        }
    }

    private static String yamlBlock(String readme, String start) {
        int i = readme.indexOf(start);
        assertThat(i).as("the README shows " + start.replace("\n", " ")).isNotNegative();
        return readme.substring(i, readme.indexOf("```", i));
    }

    private static long checkpointKeys(RedisServer target) {
        String keys = target.cli("KEYS", DatasetDiff.CHECKPOINT_PREFIX + "*").trim();
        return keys.isEmpty() ? 0 : keys.split("\n").length;
    }

    private static double value(JsonNode sample) {
        return Double.parseDouble(sample.path("value").get(1).asText());
    }

    private JsonNode awaitQuery(PrometheusServer p, String promql, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode r = null;
        while (System.nanoTime() < deadline) {
            r = p.query(promql);
            if (done.test(r)) return r;
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus never answered " + promql + " as expected in 30 s; last: " + r + "\n" + p.log());
    }

    /** Polls /status (at most 60 s) until {@code done} holds, failing with the last answer. */
    private JsonNode awaitStatus(String base, Predicate<JsonNode> done, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (run.isDone()) throw new AssertionError("the replicate ended: " + run.get());
            try {
                last = get(base + "/status");
                if (done.test(last)) return last;
            } catch (IOException e) {
                // not serving yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("waited 60 s for " + what + "; last /status: " + last);
    }

    /** The first answer the endpoint gives (at most 30 s while it starts). */
    private HttpResponse<String> awaitAnswer(String url, String auth) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (run.isDone()) throw new AssertionError("the replicate ended: " + run.get());
            try {
                return send(url, auth);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw new AssertionError("no answer from " + url + " in 30 s", e);
                Thread.sleep(100);
            }
        }
    }

    private HttpResponse<String> send(String url, String auth) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (auth != null) b.header("Authorization", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        return JSON.readTree(text(url));
    }

    private String text(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = send(url, null);
        if (r.statusCode() != 200) throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
        return r.body();
    }
}
