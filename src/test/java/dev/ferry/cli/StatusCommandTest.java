package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ferry status against real local sockets: a JDK HTTP server in the test answers as a Ferry run would (or as
 * something else would), and every failure is one line with its exit code, never the token.
 */
class StatusCommandTest {
    private static final String TOKEN = "s3cret-t0ken";
    private HttpServer server;
    /** What /status answers: HTTP status, content type, body. */
    private final AtomicReference<Object[]> answer = new AtomicReference<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    private int serve(int code, String type, String body) throws IOException {
        answer.set(new Object[] {code, type, body});
        if (server != null) return server.getAddress().getPort();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Object[] a = exchange.getRequestURI().getPath().equals("/status") ? answer.get() : new Object[] {404, "text/plain", "no"};
            byte[] bytes = ((String) a[2]).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", (String) a[1]);
            exchange.sendResponseHeaders((int) a[0], bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = StatusCommandTest.class.getResourceAsStream("/status/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String oneErrorLine(Cli.Result r, int code) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.err()).as(r.toString()).doesNotContain(TOKEN);
        return r.err().strip();
    }

    @Test
    void printsTheTableOfARunByItsPort() throws IOException {
        int port = serve(200, "application/json", fixture("live.json"));
        Cli.Result r = StatusCli.run(Map.of(), "--status-port", String.valueOf(port));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).isEmpty();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("ferry replicate  phase live  redis://127.0.0.1:7001 -> redis://127.0.0.1:7002");
        assertThat(StatusTableTest.row(lines, "127.0.0.1:7001")).containsExactly("127.0.0.1:7001", "live", "offset 1,234,567", "done",
                "1.2k/s", "0.4s", "2.0 KiB", "1", "0");
        assertThat(authorizations).containsExactly("null"); // no token given, none sent
    }

    @Test
    void theUrlMayBeTheRootTheRunPrinted() throws IOException {
        int port = serve(200, "application/json", fixture("live.json"));
        for (String url : new String[] {"http://127.0.0.1:" + port + "/", "http://127.0.0.1:" + port, "127.0.0.1:" + port,
                "http://127.0.0.1:" + port + "/status", "http://127.0.0.1:" + port + "/metrics"}) {
            Cli.Result r = StatusCli.run(Map.of(), url);
            assertThat(r.exitCode()).as(url + "\n" + r).isZero();
            assertThat(r.out()).as(url).startsWith("ferry replicate  phase live");
        }
    }

    @Test
    void endpoints() {
        assertThat(StatusCommand.Endpoint.of(null, 9400).shown()).isEqualTo("http://127.0.0.1:9400/status");
        assertThat(StatusCommand.Endpoint.of("10.0.0.5:9400", null).shown()).isEqualTo("http://10.0.0.5:9400/status");
        assertThat(StatusCommand.Endpoint.of("http://h:1/ferry/", null).shown()).isEqualTo("http://h:1/ferry/status");
        assertThat(StatusCommand.Endpoint.of("http://h:1/ferry", null).shown()).isEqualTo("http://h:1/ferry/status");
        assertThat(StatusCommand.Endpoint.of("http://h:1/ferry/dashboard.js", null).shown()).isEqualTo("http://h:1/ferry/status");
        assertThat(StatusCommand.Endpoint.of("https://h/", null).shown()).isEqualTo("https://h:443/status");
        assertThat(StatusCommand.Endpoint.of("http://[::1]:9400/", null).shown()).isEqualTo("http://[::1]:9400/status");
        assertThat(StatusCommand.Endpoint.of("http://h:1/?x=1", null).shown()).isEqualTo("http://h:1/status");
    }

    @Test
    void jsonPrintsTheDocumentAsFetched() throws IOException {
        int port = serve(200, "application/json", fixture("live.json"));
        Cli.Result r = StatusCli.run(Map.of(), "--status-port", String.valueOf(port), "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(r.out())).isEqualTo(json.readTree(fixture("live.json")));
        assertThat(r.out().lines().count()).as("indented").isGreaterThan(20);
    }

    @Test
    void aClosedPortIsRefusedInOneLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again at once: nothing listens there
        }
        String line = oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED);
        assertThat(line).isEqualTo("ferry: error: no Ferry status at http://127.0.0.1:" + port + "/status: connection refused "
                + "(is a ferry run started with --status-port " + port + "?)");
    }

    @Test
    void aTokenIsAskedForWhenNoneIsGiven() throws IOException {
        int port = serve(401, "application/json", "{\"error\":\"token required\"}");
        String line = oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED);
        assertThat(line).isEqualTo("ferry: error: the status endpoint wants a token: set FERRY_STATUS_TOKEN or --status-token-file");
    }

    /** Ferry's server refuses a Host header not of loopback with a 401 of its own words: those are shown. */
    @Test
    void aRefusalThatIsNotAboutTheTokenSaysWhy() throws IOException {
        int port = serve(401, "application/json", "{\"error\":\"this status endpoint answers only to loopback host names\"}");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED))
                .isEqualTo("ferry: error: the status endpoint refused the request: this status endpoint answers only to loopback host names");
    }

    @Test
    void aRefusedTokenIsNamedByWhereItCameFromNeverShown() throws IOException {
        int port = serve(401, "application/json", "{\"error\":\"wrong token\"}");
        String line = oneErrorLine(StatusCli.run(Map.of("FERRY_STATUS_TOKEN", TOKEN), "--status-port", String.valueOf(port)),
                ExitCode.FAILED);
        assertThat(line).isEqualTo("ferry: error: the status endpoint refused the token from FERRY_STATUS_TOKEN");
        assertThat(authorizations).containsExactly("Bearer " + TOKEN);
    }

    @Test
    void theTokenFileIsSentAsABearerToken() throws IOException {
        int port = serve(200, "application/json", fixture("live.json"));
        Path file = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        Cli.Result r = StatusCli.run(Map.of("FERRY_STATUS_TOKEN", "not-this-one"), "--status-port", String.valueOf(port),
                "--status-token-file", file.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(authorizations).containsExactly("Bearer " + TOKEN); // the file wins over the environment
        assertThat(r.out() + r.err()).doesNotContain(TOKEN);
    }

    @Test
    void badTokensAreUsageErrorsThatDoNotShowThem() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", "1", "--status-token-file", empty.toString()), ExitCode.USAGE))
                .isEqualTo("ferry: --status-token-file " + empty + " is empty");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", "1", "--status-token-file", dir.resolve("none").toString()),
                ExitCode.USAGE)).isEqualTo("ferry: --status-token-file " + dir.resolve("none") + ": cannot read it (NoSuchFileException)");
        assertThat(oneErrorLine(StatusCli.run(Map.of("FERRY_STATUS_TOKEN", TOKEN + "\u00e9x"), "--status-port", "1"), ExitCode.USAGE))
                .isEqualTo("ferry: the status token from FERRY_STATUS_TOKEN holds a character an HTTP header cannot carry");
    }

    @Test
    void aTokenInTheUrlIsRefusedWithoutEchoingIt() {
        String line = oneErrorLine(StatusCli.run(Map.of(), "http://127.0.0.1:1/?token=" + TOKEN), ExitCode.USAGE);
        assertThat(line).isEqualTo("ferry: the status URL holds the token, which other users see in ps: leave it out and set "
                + "FERRY_STATUS_TOKEN or --status-token-file");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "http://u:" + TOKEN + "@127.0.0.1:1/"), ExitCode.USAGE))
                .startsWith("ferry: the status URL holds a user or password");
    }

    @Test
    void theAddressIsRequiredOnce() {
        assertThat(oneErrorLine(StatusCli.run(Map.of()), ExitCode.USAGE))
                .isEqualTo("ferry: status needs the run's address: its URL (e.g. http://127.0.0.1:9400/) or --status-port PORT");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", "9400", "http://127.0.0.1:9400/"), ExitCode.USAGE))
                .isEqualTo("ferry: give the run's URL or --status-port, not both");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", "70000"), ExitCode.USAGE))
                .isEqualTo("ferry: --status-port must be 1..65535, not 70000");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "ftp://h/"), ExitCode.USAGE))
                .isEqualTo("ferry: the status URL must be http:// or https://, not ftp://");
    }

    @Test
    void somethingElseThanJsonIsSaidToBeNotAFerry() throws IOException {
        int port = serve(200, "text/html", "<html>hello</html>");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED))
                .isEqualTo("ferry: error: http://127.0.0.1:" + port + "/status answered something that is not JSON (text/html): not a Ferry status");
        serve(200, "application/json", "{\"hello\":1}");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED))
                .isEqualTo("ferry: error: http://127.0.0.1:" + port + "/status answered JSON without a Ferry status' fields (command, phase, shards)");
        serve(200, "application/json", "[1,2]");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED))
                .contains("answered something that is not JSON");
    }

    @Test
    void anotherHttpStatusIsOneLine() throws IOException {
        int port = serve(500, "text/plain", "boom");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED))
                .isEqualTo("ferry: error: http://127.0.0.1:" + port + "/status answered HTTP 500, not a Ferry status "
                        + "(is the address a ferry run's --status-port?)");
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "http://127.0.0.1:" + port + "/elsewhere/"), ExitCode.FAILED))
                .isEqualTo("ferry: error: http://127.0.0.1:" + port + "/elsewhere/status answered HTTP 404, not a Ferry status "
                        + "(is the address a ferry run's --status-port?)");
    }

    /** A server that accepts and never answers: the 5 s timeout ends the wait with one line. */
    @Test
    void aSilentServerTimesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().readAllBytes(); // read until the client gives up, answer nothing
                } catch (IOException e) {
                    // closed with the test
                }
            });
            accept.setDaemon(true);
            accept.start();
            int port = silent.getLocalPort();
            assertThat(oneErrorLine(StatusCli.run(Map.of(), "--status-port", String.valueOf(port)), ExitCode.FAILED))
                    .isEqualTo("ferry: error: no answer from http://127.0.0.1:" + port + "/status within 5 s");
        }
    }

    /** Not on a terminal: one table after the other, each under a title line, until the thread is interrupted. */
    @Test
    void watchPrintsTablesOneAfterTheOther() throws Exception {
        int port = serve(200, "application/json", fixture("live.json"));
        AtomicReference<Cli.Result> result = new AtomicReference<>();
        Thread watching = new Thread(() -> result.set(StatusCli.run(Map.of(), "--watch", "0.1", "--status-port", String.valueOf(port))));
        watching.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        // a fourth fetch starts only once the third table is printed
        while (requests.get() < 4 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(requests.get()).as("four fetches within 10 s").isGreaterThanOrEqualTo(4);
        watching.interrupt();
        watching.join(10_000);
        assertThat(watching.isAlive()).as("watch ended by the interrupt").isFalse();
        Cli.Result r = result.get();
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).doesNotContain("\u001b");
        List<String> titles = r.out().lines().filter(l -> l.startsWith("every 0.1 s, Ctrl-C to stop: http://127.0.0.1:" + port + "/status at ")).toList();
        long tables = r.out().lines().filter(l -> l.startsWith("ferry replicate  phase live")).count();
        assertThat(titles.size()).as(r.toString()).isGreaterThanOrEqualTo(3).isEqualTo((int) tables);
    }

    /** A run that ends while watched: its refusal shows in the table's place and the watch goes on. */
    @Test
    void watchOutlivesAFailedFetchAndRedrawsInPlaceOnATerminal() throws Exception {
        int port = serve(200, "application/json", fixture("live.json"));
        AtomicReference<Cli.Result> result = new AtomicReference<>();
        Thread watching = new Thread(() -> result.set(StatusCli.run(Map.of(), true, "--watch", "0.1", "--status-port", String.valueOf(port))));
        watching.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (requests.get() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
        serve(500, "text/plain", "gone");
        int before = requests.get();
        while (requests.get() < before + 2 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(requests.get()).as("two failed fetches within 10 s").isGreaterThanOrEqualTo(before + 2);
        watching.interrupt();
        watching.join(10_000);
        Cli.Result r = result.get();
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("\u001b[2J\u001b[H").contains("\u001b[Hevery 0.1 s").contains("-> redis://127.0.0.1:7002\u001b[K\n")
                .contains("ferry: http://127.0.0.1:" + port + "/status answered HTTP 500");
    }

    @Test
    void watchNeedsAPositivePeriodAndTakesTheUrlAfterIt() throws IOException {
        assertThat(oneErrorLine(StatusCli.run(Map.of(), "--watch", "0", "--status-port", "1"), ExitCode.USAGE))
                .isEqualTo("ferry: --watch must be at least 0.1 seconds");
        StatusCommand c = new StatusCommand();
        new picocli.CommandLine(c).parseArgs("--watch", "http://127.0.0.1:1/");
        assertThat(c.watch).isEqualTo(2.0);
        assertThat(c.url).isEqualTo("http://127.0.0.1:1/");
        for (String[] args : new String[][] {{"--watch=5", "--status-port", "1"}, {"--watch", "5", "--status-port", "1"},
                {"--status-port", "1", "--watch", "0.5"}, {"--status-port", "1", "--watch"}}) {
            StatusCommand parsed = new StatusCommand();
            new picocli.CommandLine(parsed).parseArgs(args);
            assertThat(parsed.watch).as(String.join(" ", args)).isEqualTo(args[args.length - 1].equals("--watch") ? 2.0
                    : args[0].equals("--watch=5") || args[1].equals("5") ? 5.0 : 0.5);
            assertThat(parsed.port).isEqualTo(1);
        }
    }
}
