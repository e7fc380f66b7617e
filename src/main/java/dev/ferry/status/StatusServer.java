package dev.ferry.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.util.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status endpoint of a running command: {@code /status} (JSON), {@code /history} (the last 15 minutes),
 * {@code /metrics} (Prometheus) and the dashboard at {@code /}. Bound to loopback unless told otherwise, and then
 * only with a token, checked on every request: a run's status names its servers and keys.
 *
 * <p>Its own threads (two serving, one sampling) only read the run's counters, so a run whose writer is saturated
 * still answers at once, and a slow or stuck client holds no lock the run needs.
 */
public final class StatusServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusServer.class);
    private static final String COOKIE = "ferry_token";
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}");
    /** A Host header: a name or an address (IPv6 in brackets), and a port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^:\\[\\]@/]+)(:[0-9]{1,5})?");
    private static final Pattern STATIC = Pattern.compile("/[a-z0-9][a-z0-9.-]*\\.(js|css|svg|png|ico)");

    private final HttpServer http;
    private final RunBoard board;
    private final FerryMetrics metrics;
    private final byte[] token;
    /**
     * What the dashboard's cookie holds: a digest of the token with a salt of this process, never the token itself,
     * so the token is not sent back in any answer, and a cookie taken from one run opens no other.
     */
    private final byte[] cookie;
    private final ExecutorService serving;
    private final ScheduledExecutorService sampling;
    private final String url;

    private StatusServer(HttpServer http, RunBoard board, String token, String url) {
        this.http = http;
        this.board = board;
        this.metrics = new FerryMetrics(board);
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.cookie = token == null ? null : cookieFor(this.token);
        this.url = url;
        this.serving = Executors.newFixedThreadPool(2, daemon("ferry-status"));
        this.sampling = Executors.newSingleThreadScheduledExecutor(daemon("ferry-status-sampler"));
        http.setExecutor(serving);
        http.createContext("/", this::handle);
    }

    /**
     * Starts serving {@code board} on {@code bind:port} (port 0: any free one). A bind address that is not loopback
     * needs a token; a port in use or an unknown address is a {@link UsageException} saying what to change.
     */
    public static StatusServer start(RunBoard board, String bind, int port, String token) {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new UsageException("--status-bind " + bind + ": not an address of this host");
        }
        if (!addr.isLoopbackAddress() && (token == null || token.isEmpty())) {
            throw new UsageException("--status-bind " + bind + " is not a loopback address: anyone who can reach it could "
                    + "read the run's status, so it needs a token too (--status-token-file FILE or FERRY_STATUS_TOKEN)");
        }
        if (port < 0 || port > 65535) throw new UsageException("--status-port must be 0-65535, not " + port);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(addr, port), 16);
        } catch (BindException e) {
            throw new UsageException("--status-port " + port + " on " + bind + ": " + e.getMessage().toLowerCase(Locale.ROOT)
                    + "; choose another port (or 0 for any free one)");
        } catch (IOException e) {
            throw new UsageException("--status-port " + port + " on " + bind + ": " + e.getMessage());
        }
        String host = addr.getHostAddress().contains(":") ? "[" + addr.getHostAddress() + "]" : addr.getHostAddress();
        StatusServer s = new StatusServer(http, board, token, "http://" + host + ":" + http.getAddress().getPort() + "/");
        s.sampling.scheduleAtFixedRate(s::sample, 0, 1, TimeUnit.SECONDS);
        http.start();
        return s;
    }

    /** Where the dashboard is, e.g. {@code http://127.0.0.1:9187/}. */
    public String url() {
        return url;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void sample() {
        try {
            board.sample();
        } catch (RuntimeException e) {
            log.debug("status sampling failed: {}", e.toString());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                send(ex, 405, "application/json", error("only GET is served"));
                return;
            }
            URI uri = ex.getRequestURI();
            String path = uri.getPath();
            String query = uri.getRawQuery();
            if (path.equals("/") && token != null && query != null && query.startsWith("token=")) {
                // the page's own requests then carry the cookie, and the token leaves the address bar at once
                if (matches(java.net.URLDecoder.decode(query.substring(6), StandardCharsets.UTF_8))) {
                    ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + new String(cookie, StandardCharsets.US_ASCII)
                            + "; Path=/; HttpOnly; SameSite=Strict");
                    ex.getResponseHeaders().add("Location", "/");
                    send(ex, 303, "text/plain; charset=utf-8", new byte[0]);
                    return;
                }
            }
            if (!allowed(ex)) {
                send(ex, 401, "application/json", error(token == null
                        ? "this status endpoint answers only to loopback host names"
                        : "a token is needed: Authorization: Bearer <token>, or open /?token=<token> once"));
                return;
            }
            switch (path) {
                case "/":
                    page(ex, "index.html");
                    return;
                case "/status":
                    send(ex, 200, "application/json", StatusReport.JSON.writeValueAsBytes(StatusReport.status(board)));
                    return;
                case "/history":
                    send(ex, 200, "application/json", StatusReport.JSON.writeValueAsBytes(StatusReport.history(board.history(), since(query))));
                    return;
                case "/metrics": {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
                    metrics.write(out);
                    send(ex, 200, metrics.contentType(), out.toByteArray());
                    return;
                }
                default:
                    if (STATIC.matcher(path).matches()) {
                        page(ex, path.substring(1));
                        return;
                    }
                    send(ex, 404, "application/json", error("no such page: /status, /history, /metrics and the dashboard at / are"));
            }
        } catch (IOException e) {
            // a client that went away: the run goes on
            log.debug("status request failed: {}", e.toString());
        } catch (RuntimeException e) {
            // a defect building the answer: the run goes on, and the asker is told rather than left with nothing
            // the class and where, not the message: nothing of a run's settings can ride along into the log
            if (!warnedFailure) log.warn("the status endpoint could not answer {} ({} at {}); the run goes on",
                    ex.getRequestURI().getPath(), e.getClass().getName(), e.getStackTrace().length == 0 ? "?" : e.getStackTrace()[0]);
            warnedFailure = true;
            try {
                send(ex, 500, "application/json", error("the status could not be built: " + e.getClass().getSimpleName()));
            } catch (IOException | RuntimeException ignored) {
                // the answer had begun: the client sees it cut short
            }
        }
    }

    private volatile boolean warnedFailure;

    /**
     * With a token: the token, as a bearer header or the cookie. Without one (loopback only): a loopback Host
     * header, so a web page elsewhere cannot read the status through a host name it re-points at 127.0.0.1.
     */
    private boolean allowed(HttpExchange ex) {
        if (token != null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && matches(auth.substring(7).trim())) return true;
            String cookies = ex.getRequestHeaders().getFirst("Cookie");
            if (cookies != null) {
                for (String c : cookies.split(";")) {
                    String t = c.trim();
                    if (t.startsWith(COOKIE + "=")
                            && MessageDigest.isEqual(cookie, t.substring(COOKIE.length() + 1).getBytes(StandardCharsets.US_ASCII))) {
                        return true;
                    }
                }
            }
            return false;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) return true; // HTTP/1.0 tools on this host
        java.util.regex.Matcher m = HOST.matcher(host);
        if (!m.matches()) return false;
        String name = m.group(1).toLowerCase(Locale.ROOT);
        // an address literal, not a name that begins like one: 127.0.0.1.example.com is anyone's
        return name.equals("localhost") || name.equals("[::1]") || LOOPBACK_V4.matcher(name).matches();
    }

    private boolean matches(String given) {
        return MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] cookieFor(byte[] token) {
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            sha.update(token);
            return java.util.HexFormat.of().formatHex(sha.digest()).getBytes(StandardCharsets.US_ASCII);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java", e);
        }
    }

    private static long since(String query) {
        if (query == null) return Long.MIN_VALUE;
        for (String part : query.split("&")) {
            if (part.startsWith("since=")) {
                try {
                    return Long.parseLong(part.substring(6));
                } catch (NumberFormatException e) {
                    return Long.MIN_VALUE;
                }
            }
        }
        return Long.MIN_VALUE;
    }

    private void page(HttpExchange ex, String name) throws IOException {
        try (InputStream in = StatusServer.class.getResourceAsStream("/dev/ferry/status/dashboard/" + name)) {
            if (in == null) {
                send(ex, 404, "application/json", error("no such page: " + name));
                return;
            }
            String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                    : name.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : name.endsWith(".css") ? "text/css; charset=utf-8"
                    : name.endsWith(".svg") ? "image/svg+xml"
                    : name.endsWith(".png") ? "image/png" : "image/x-icon";
            // the page loads only its own files: no inline script, nothing from elsewhere
            ex.getResponseHeaders().add("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private static byte[] error(String message) {
        return StatusReport.JSON.createObjectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.getResponseHeaders().add("Cache-Control", "no-store");
        ex.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        sampling.shutdownNow();
        http.stop(0);
        serving.shutdownNow();
    }
}
