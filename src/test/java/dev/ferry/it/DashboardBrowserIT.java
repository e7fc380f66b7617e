package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.cli.Cli;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Browser;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.RedisTools;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real browser, served by a real {@code ferry replicate --status-port} between two redis-server
 * processes while an application writes to the source: the page shows what {@code /status} says, draws its charts
 * from {@code /history}, says when the server is gone and recovers by itself when one answers again; with
 * {@code --status-token} a browser without the token gets the 401, and {@code /?token=} lets it in by cookie.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DashboardBrowserIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension().flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshot.png");
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "dashboard-test-token-5e1f";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void showsTheRunningReplicateWithChartsAndRecoversWhenTheServerComesBack() throws Exception {
        Browser.requireInstalled(); // before anything starts, so a skip leaves nothing behind
        RedisServer src = source.get();
        for (int i = 0; i < 200; i++) src.cli("SET", "before:" + i, "v" + i);
        int port = RedisTools.freePort();
        String base = "http://127.0.0.1:" + port;
        try (AppWrites app = new AppWrites(src); Browser b = Browser.start()) {
            Replicate first = Replicate.start(src, port);
            JsonNode started;
            try {
                started = awaitLive(base, null, first);
                b.open(base + "/");
                b.await("the lag and rate charts to draw at least 2 samples each", PAGE_WAIT,
                        x -> points(x, "#lag-chart") >= 2 && points(x, "#rate-chart") >= 2 ? true : null);
                b.await("#keys-written to show a number", PAGE_WAIT, x -> x.text("#keys-written").matches("[0-9,]+") ? true : null);

                long keysWrittenShown = number(b.text("#keys-written"));
                JsonNode status = get(base, "/status", null);
                assertThat(status.path("phase").asText()).isEqualTo("live");
                assertThat(b.text("#phase")).as("the phase badge").isEqualTo(status.path("phase").asText());
                assertThat(b.attribute("#phase", "data-phase")).isEqualTo("live");
                assertThat(b.text("#command")).isEqualTo("replicate");
                assertThat(b.text("#run-id")).isEqualTo(status.path("runId").asText());
                assertThat(b.text("#source")).isEqualTo(status.path("source").asText()).contains(":" + src.port());
                assertThat(b.text("#target")).isEqualTo(status.path("target").asText()).contains(":" + target.get().port());

                List<WebElement> rows = b.all("#shards tbody tr[data-shard]");
                JsonNode shards = status.path("shards");
                assertThat(shards.size()).as("a standalone source is one shard").isEqualTo(1);
                assertThat(rows).hasSize(shards.size());
                String shardName = shards.get(0).path("name").asText();
                assertThat(shardName).contains(String.valueOf(src.port()));
                assertThat(rows.get(0).getDomAttribute("data-shard")).isEqualTo(shardName);
                assertThat(b.text("#shards tbody tr[data-shard] td.name")).isEqualTo(shardName);
                assertThat(b.text("#shards tbody tr[data-shard] td.phase")).isEqualTo(shards.get(0).path("phase").asText());

                assertThat(points(b, "#lag-chart")).isGreaterThan(0);
                assertThat(b.attribute("#lag-chart", "data-series")).as("one lag line per shard").isEqualTo("1");
                assertThat(b.attribute("#rate-chart", "data-series")).as("written, and read per shard").isEqualTo("2");
                // a counter that only grows: what the page showed is at most what the server says a moment later
                assertThat(keysWrittenShown).isPositive().isLessThanOrEqualTo(status.path("keys").path("written").asLong());
                assertThat(b.one("#conn-banner").isDisplayed()).as("no connection banner while the server answers").isFalse();
                assertThat(b.one("#verify").isDisplayed()).as("a replicate has no verify panel").isFalse();

                // the screenshot goes in the README: a few more samples, so the charts show lines rather than a dot
                b.await("the charts to hold 6 samples for the screenshot", PAGE_WAIT,
                        x -> points(x, "#lag-chart") >= 6 && points(x, "#rate-chart") >= 6 ? true : null);
                BufferedImage shot = ImageIO.read(b.screenshot(SCREENSHOT).toFile());
                assertThat(shot.getWidth()).isEqualTo(Browser.WIDTH);
                assertThat(shot.getHeight()).isEqualTo(Browser.HEIGHT);
            } finally {
                first.stop();
            }
            assertThat(first.result().exitCode()).as(first.result().toString()).isZero();

            // the run is over and its server closed: the page says so instead of showing stale numbers as current
            String banner = b.await("the connection-lost banner", PAGE_WAIT,
                    x -> x.one("#conn-banner").isDisplayed() ? x.text("#conn-banner") : null);
            assertThat(banner).startsWith("Connection lost — retrying");

            // a new run on the same port: the page picks it up by itself, without a reload
            Replicate second = Replicate.start(src, port);
            try {
                JsonNode again = awaitLive(base, null, second);
                assertThat(again.path("runId").asText()).isNotEqualTo(started.path("runId").asText());
                b.await("the page to show the second run and drop the banner", PAGE_WAIT,
                        x -> !x.one("#conn-banner").isDisplayed() && x.text("#run-id").equals(again.path("runId").asText()) ? true : null);
                assertThat(b.text("#phase")).isEqualTo("live");
            } finally {
                second.stop();
            }
            assertThat(second.result().exitCode()).as(second.result().toString()).isZero();
        }
    }

    @Test
    void withATokenTheBrowserNeedsTheCookieThatTokenUrlSets() throws Exception {
        Browser.requireInstalled();
        RedisServer src = source.get();
        src.cli("SET", "k", "v");
        int port = RedisTools.freePort();
        String base = "http://127.0.0.1:" + port;
        try (AppWrites app = new AppWrites(src); Browser b = Browser.start()) {
            Replicate run = Replicate.start(src, port, "--status-token", TOKEN);
            try {
                awaitLive(base, TOKEN, run);
                HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(401);

                b.open(base + "/");
                assertThat(b.all("#phase")).as("no dashboard without the token").isEmpty();
                assertThat(b.pageText()).contains("\"error\"");
                assertThat(b.pageText().contains(TOKEN)).as("the 401 does not echo the token").isFalse();

                b.open(base + "/?token=" + TOKEN);
                assertThat(b.currentUrl()).as("the redirect drops the token from the address bar").isEqualTo(base + "/");
                Cookie cookie = b.driver().manage().getCookieNamed("ferry_token");
                assertThat(cookie).as("the ferry_token cookie").isNotNull();
                // a digest of the token with a salt of the run's, never the token itself
                assertThat(cookie.getValue()).as("the cookie holds a digest").matches("[0-9a-f]{64}");
                assertThat(cookie.getValue().contains(TOKEN)).as("the cookie holds the token").isFalse();
                assertThat(cookie.isHttpOnly()).isTrue();
                assertThat(cookie.getSameSite()).isEqualTo("Strict");
                assertThat(String.valueOf(b.script("return document.cookie"))).as("scripts cannot read it").doesNotContain("ferry_token");

                b.await("the dashboard to load /status with the cookie", PAGE_WAIT,
                        x -> x.text("#phase").equals("live") && x.text("#keys-written").matches("[0-9,]+") ? true : null);
                assertThat(number(b.text("#keys-written"))).isPositive();
                b.await("the charts to draw from /history with the cookie", PAGE_WAIT, x -> points(x, "#lag-chart") >= 1 ? true : null);
                assertThat(b.one("#conn-banner").isDisplayed()).isFalse();
            } finally {
                run.stop();
            }
            assertThat(run.result().exitCode()).as(run.result().toString()).isZero();
        }
    }

    /** The page never parses server text as markup: key names reach it in examples and shard notes. */
    @Test
    void thePageBuildsItsDomFromTextOnlyAndStaysSmall() throws IOException {
        long total = 0;
        for (String name : List.of("index.html", "dashboard.js", "dashboard.css", "favicon.svg")) {
            String text = resource(name);
            total += text.getBytes(StandardCharsets.UTF_8).length;
            assertThat(text).as(name).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                    "http://", "https://");
        }
        assertThat(total).as("the dashboard's files, in bytes").isLessThan(25 * 1024);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DashboardBrowserIT.class.getResourceAsStream("/dev/ferry/status/dashboard/" + name)) {
            assertThat(in).as(name + " on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("http://www.w3.org/2000/svg", ""); // an SVG's namespace name, never fetched
        }
    }

    private static int points(Browser b, String canvas) {
        String n = b.attribute(canvas, "data-points");
        return n == null ? 0 : Integer.parseInt(n);
    }

    private static long number(String shown) {
        return Long.parseLong(shown.replace(",", ""));
    }

    private JsonNode get(String base, String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET();
        if (token != null) req.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Waits (60 s at most) until the run's /status answers with phase "live", and returns that answer. */
    private JsonNode awaitLive(String base, String token, Replicate run) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        String last = "no answer";
        while (true) {
            if (run.future.isDone()) throw new AssertionError("the replicate ended before /status said live:\n" + run.future.join());
            try {
                JsonNode status = get(base, "/status", token);
                if (status.path("phase").asText().equals("live")) return status;
                last = "phase " + status.path("phase").asText();
            } catch (ConnectException e) {
                last = "connection refused";
            }
            assertThat(System.currentTimeMillis()).as("/status to say live (last: %s)", last).isLessThan(deadline);
            LiveRun.sleep(200);
        }
    }

    /** A {@code ferry replicate} running in-process on a background thread, stopped as a first SIGINT would. */
    private static final class Replicate {
        final CompletableFuture<Cli.Result> future;

        private Replicate(CompletableFuture<Cli.Result> future) {
            this.future = future;
        }

        static Replicate start(RedisServer src, int statusPort, String... more) {
            List<String> args = new ArrayList<>(List.of("replicate", "--source", src.uri(), "--target", target.get().uri(),
                    "--status-port", Integer.toString(statusPort), "-q"));
            args.addAll(List.of(more));
            return new Replicate(CompletableFuture.supplyAsync(() -> Cli.run(args.toArray(String[]::new))));
        }

        void stop() {
            if (!future.isDone()) Cli.interrupt();
        }

        Cli.Result result() throws Exception {
            return future.get(60, TimeUnit.SECONDS);
        }
    }

    /** An application writing to the source (SET of 500 keys in turn, INCR of a counter), a few hundred commands/s. */
    private static final class AppWrites implements AutoCloseable, Runnable {
        private final RedisServer server;
        private final Thread thread;
        private final AtomicLong acked = new AtomicLong();
        private volatile boolean stop;
        private volatile String error;

        AppWrites(RedisServer server) {
            this.server = server;
            this.thread = new Thread(this, "dashboard-app-writes");
            thread.start();
        }

        @Override
        public void run() {
            try (RespConnection c = Datasets.connect(server)) {
                for (long n = 0; !stop; n++) {
                    Reply set = c.call("SET", "page:" + (n % 500), "visit " + n);
                    Reply incr = c.call("INCR", "hits");
                    if (set.isError() || incr.isError()) {
                        error = set.isError() ? set.toString() : incr.toString();
                        return;
                    }
                    acked.incrementAndGet();
                    if (n % 20 == 0) Thread.sleep(20); // a steady trickle, so the charts have something to draw
                }
            } catch (RuntimeException e) {
                error = String.valueOf(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
            assertThat(error).as("the application's writes").isNull();
            assertThat(acked.get()).as("the application wrote during the test").isPositive();
        }
    }
}
