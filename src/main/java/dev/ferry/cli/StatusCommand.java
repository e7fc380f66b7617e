package dev.ferry.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.util.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Stack;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a running replicate, import or verify's status (the run's --status-port) as a table: "
                + "its phase, each shard's position and lag, the writer, errors, skipped and failed keys, the checkpoint's age.",
                "The run's status token, if it has one, is read from the environment variable " + StatusCommand.TOKEN_ENV
                        + " or from --status-token-file; never from the command line, which other users see in ps."})
final class StatusCommand implements Callable<Integer> {
    /** The variable the run itself reads its token from, too. */
    static final String TOKEN_ENV = StatusOptions.TOKEN_ENV;
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A status document is a few KiB per shard; far more is not Ferry's endpoint. */
    private static final int MAX_BODY = 16 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(arity = "0..1", paramLabel = "URL",
            description = "The run's status address, as it printed it at start (e.g. http://10.0.0.5:9400/); or give --status-port.")
    String url;

    @Option(names = "--status-port", paramLabel = "PORT",
            description = "The --status-port of a run on this machine (127.0.0.1).")
    Integer port;

    @Option(names = "--status-token-file", paramLabel = "FILE",
            description = "A file holding the run's --status-token (default: the environment variable " + TOKEN_ENV + ").")
    Path tokenFile;

    @Option(names = "--json", description = "Print the run's /status JSON as fetched, indented, instead of the table.")
    boolean json;

    @Option(names = "--watch", arity = "0..1", parameterConsumer = WatchPeriod.class, paramLabel = "SECONDS",
            description = "Fetch and print again every SECONDS (default 2) until Ctrl-C; on a terminal the table is redrawn in place.")
    Double watch;

    @Spec
    CommandSpec spec;

    /** Where the token's environment variable is read; tests give their own. */
    UnaryOperator<String> env = System::getenv;
    /** Whether stdout is a terminal (redraw in place); null: look at the process's stdout. Tests set it. */
    Boolean terminal;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Endpoint endpoint = Endpoint.of(url, port);
        Token token = token();
        if (watch != null && (watch.isNaN() || watch < 0.1)) throw new UsageException("--watch must be at least 0.1 seconds");
        PrintWriter out = spec.commandLine().getOut();
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
        if (watch == null) {
            print(out, show(fetch(client, endpoint, token)));
            return ExitCode.OK;
        }
        return watch(out, client, endpoint, token);
    }

    /**
     * Prints every {@code --watch} seconds until interrupted (Ctrl-C ends the JVM; a test interrupts the thread).
     * The first fetch must work (a wrong address or token ends at once); a later failure, such as the run ending,
     * is shown in the table's place and fetching goes on, as {@code watch} does.
     */
    private int watch(PrintWriter out, HttpClient client, Endpoint endpoint, Token token) throws IOException, InterruptedException {
        boolean redraw = terminal != null ? terminal : stdoutIsTerminal();
        long periodNanos = Math.round(watch * 1e9);
        List<String> lines = show(fetch(client, endpoint, token));
        boolean first = true;
        try {
            while (true) {
                String title = "every " + seconds(watch) + ", Ctrl-C to stop: " + endpoint.shown() + " at "
                        + LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT));
                if (redraw) {
                    // home, each line cleared to its end, the rest of the screen cleared: no flicker of a full clear
                    StringBuilder b = new StringBuilder(first ? "\033[2J\033[H" : "\033[H");
                    b.append(title).append("\033[K\n\033[K\n");
                    for (String l : lines) b.append(l).append("\033[K\n");
                    b.append("\033[J");
                    out.print(b);
                    out.flush();
                } else {
                    if (!first) out.println();
                    out.println(title);
                    print(out, lines);
                }
                first = false;
                Thread.sleep(periodNanos / 1_000_000, (int) (periodNanos % 1_000_000));
                try {
                    lines = show(fetch(client, endpoint, token));
                } catch (IOException e) {
                    lines = List.of("ferry: " + e.getMessage());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.OK;
        }
    }

    private List<String> show(JsonNode status) throws JsonProcessingException {
        return json ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status).lines().toList() : StatusTable.render(status);
    }

    private static void print(PrintWriter out, List<String> lines) {
        for (String l : lines) out.println(l);
        out.flush();
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.1f s", s);
    }

    /**
     * GETs the status document. Every failure is one line, as an {@link IOException} ({@link Errors} prints it
     * as {@code ferry: error: ...}, exit 1), naming the address without any credential; the token is never in
     * a message.
     */
    static JsonNode fetch(HttpClient client, Endpoint endpoint, Token token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.uri()).timeout(TIMEOUT).header("Accept", "application/json").GET();
        if (token != null) request.header("Authorization", "Bearer " + token.value());
        // asynchronously, so one deadline covers the body too (the request's timeout ends at the headers), and an
        // interrupt (a test ending --watch) cancels the exchange
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request.build(), info -> new LimitedBody(MAX_BODY));
        HttpResponse<byte[]> response;
        try {
            response = exchange.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new IOException(noAnswer(endpoint));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) throw new IOException(noAnswer(endpoint));
            if (cause instanceof ConnectException c) throw new IOException(refusedOrNot(endpoint, c));
            if (cause instanceof TooBig) throw new IOException(endpoint.shown() + " answered more than " + (MAX_BODY >> 20) + " MiB: not a Ferry status");
            throw new IOException("cannot read " + endpoint.shown() + ": " + describe(cause));
        }
        int code = response.statusCode();
        if (code == 401) {
            // Ferry's server also answers 401 without a token of its own: to a Host header not of loopback
            String why = serverError(response.body());
            if (why != null && !why.toLowerCase(Locale.ROOT).contains("token")) {
                throw new IOException("the status endpoint refused the request: " + why);
            }
            throw new IOException(token == null ? "the status endpoint wants a token: set " + TOKEN_ENV + " or --status-token-file"
                    : "the status endpoint refused the token from " + token.from());
        }
        if (code != 200) {
            throw new IOException(endpoint.shown() + " answered HTTP " + code + ", not a Ferry status (is the address a ferry run's --status-port?)");
        }
        JsonNode status;
        try {
            status = JSON.readTree(response.body());
        } catch (IOException e) {
            status = null;
        }
        if (status == null || !status.isObject()) {
            String type = response.headers().firstValue("Content-Type").orElse("no content type");
            throw new IOException(endpoint.shown() + " answered something that is not JSON (" + type.replaceAll("[\\p{Cntrl}]", " ")
                    + "): not a Ferry status");
        }
        if (!status.has("shards") && !status.has("phase") && !status.has("command")) {
            throw new IOException(endpoint.shown() + " answered JSON without a Ferry status' fields (command, phase, shards)");
        }
        return status;
    }

    /** The {@code error} text of Ferry's error answer, on one line; null when the body is not one. */
    private static String serverError(byte[] body) {
        try {
            JsonNode e = JSON.readTree(body).path("error");
            String text = e.isTextual() ? e.asText().replaceAll("\\p{Cntrl}", " ").strip() : "";
            return text.isEmpty() ? null : text.length() > 200 ? text.substring(0, 200) + "..." : text;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String noAnswer(Endpoint endpoint) {
        return "no answer from " + endpoint.shown() + " within " + TIMEOUT.toSeconds() + " s";
    }

    /**
     * Why a connection failed. The JDK's client reports a refused connection as a {@link ConnectException} with
     * "Connection refused" somewhere in its causes, or with no message at all (seen on JDK 17): both mean refused.
     */
    private static String refusedOrNot(Endpoint endpoint, ConnectException e) {
        boolean anyMessage = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "no Ferry status at " + endpoint.shown() + ": unknown host " + endpoint.uri().getHost();
            }
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("refused")) return refused(endpoint);
            anyMessage |= m != null && !m.isBlank();
        }
        return anyMessage ? "no Ferry status at " + endpoint.shown() + ": cannot connect: " + describe(e) : refused(endpoint);
    }

    private static String refused(Endpoint endpoint) {
        return "no Ferry status at " + endpoint.shown() + ": connection refused (is a ferry run started with --status-port "
                + endpoint.port() + "?)";
    }

    /** An I/O failure's most telling message (the JDK's HTTP client often wraps the cause with none of its own). */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage().replace('\n', ' ');
        }
        return e.getClass().getSimpleName();
    }

    private Token token() {
        return Token.read(tokenFile, env);
    }

    private static boolean stdoutIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) return false;
        Boolean tty = Progress.isTerminalDevice(Path.of("/proc/self/fd/1"));
        return tty != null ? tty : System.console() != null;
    }

    /**
     * {@code --watch}'s optional period: the next word if it is a number, else the default 2 s and the word is
     * left for what follows (picocli's own optional value would take {@code ferry status --watch http://...}'s URL
     * as the period and fail).
     */
    static final class WatchPeriod implements IParameterConsumer {
        static final double DEFAULT = 2;

        @Override public void consumeParameters(Stack<String> args, ArgSpec option, CommandSpec command) {
            double seconds = DEFAULT;
            if (!args.isEmpty() && args.peek().matches("\\d+(\\.\\d*)?|\\.\\d+")) seconds = Double.parseDouble(args.pop());
            option.setValue(seconds);
        }
    }

    /** A body gathered in memory up to {@code max} bytes; past that the exchange is cancelled with {@link TooBig}. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedBody(int max) {
            this.max = max;
        }

        @Override public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                if (bytes.size() + b.remaining() > max) {
                    subscription.cancel();
                    body.completeExceptionally(new TooBig());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    private static final class TooBig extends IOException {
        TooBig() {
            super("body too big");
        }
    }

    /** The bearer token and where it came from (for messages: the token itself is never shown). */
    record Token(String value, String from) {
        /**
         * The token in {@code file} when one is given, else in {@link #TOKEN_ENV}, else null: where both the run
         * and {@code ferry status} read it.
         */
        static Token read(Path file, UnaryOperator<String> env) {
            if (file != null) {
                String value;
                try {
                    value = Files.readString(file).strip();
                } catch (IOException e) {
                    throw new UsageException("--status-token-file " + file + ": cannot read it (" + e.getClass().getSimpleName() + ")");
                }
                return of(value, "--status-token-file " + file);
            }
            String value = env.apply(TOKEN_ENV);
            return value == null || value.isBlank() ? null : of(value.strip(), TOKEN_ENV);
        }

        static Token of(String value, String from) {
            if (value.isEmpty()) throw new UsageException(from + " is empty");
            // an HTTP header carries visible ASCII; the JDK's own complaint would quote the value
            if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new UsageException("the status token from " + from + " holds a character an HTTP header cannot carry");
            }
            return new Token(value, from);
        }

        @Override public String toString() {
            return "Token[from " + from + "]";
        }
    }

    /** Where /status is fetched: the {@code uri} used, and how it is {@code shown} (no user, password or query). */
    record Endpoint(URI uri, String shown, int port) {
        static Endpoint of(String url, Integer port) {
            if (url == null && port == null) {
                throw new UsageException("status needs the run's address: its URL (e.g. http://127.0.0.1:9400/) or --status-port PORT");
            }
            if (url != null && port != null) throw new UsageException("give the run's URL or --status-port, not both");
            if (port != null) {
                if (port < 1 || port > 65535) throw new UsageException("--status-port must be 1..65535, not " + port);
                return at("http", "127.0.0.1", port, "/status");
            }
            String text = url.strip();
            if (!text.contains("://")) text = "http://" + text;
            URI u;
            try {
                u = new URI(text);
            } catch (URISyntaxException e) {
                throw new UsageException("the status URL is not a URL: " + e.getReason());
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new UsageException("the status URL must be http:// or https://, not " + scheme + "://");
            }
            if (u.getRawUserInfo() != null) {
                throw new UsageException("the status URL holds a user or password; the status endpoint takes a token: set "
                        + TOKEN_ENV + " or --status-token-file");
            }
            if (u.getRawQuery() != null && u.getRawQuery().contains("token=")) {
                throw new UsageException("the status URL holds the token, which other users see in ps: leave it out and set "
                        + TOKEN_ENV + " or --status-token-file");
            }
            if (u.getHost() == null) throw new UsageException("the status URL names no host");
            int p = u.getPort() != -1 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            return at(scheme, u.getHost(), p, statusPath(u.getRawPath()));
        }

        /** The run's root (as it prints it), its dashboard or another of its pages: /status beside it. */
        private static String statusPath(String path) {
            if (path == null || path.isEmpty()) return "/status";
            int slash = path.lastIndexOf('/');
            String last = path.substring(slash + 1);
            if (last.equals("status")) return path;
            String dir = path.substring(0, slash + 1);
            if (last.isEmpty() || last.equals("metrics") || last.equals("history") || last.contains(".")) return dir + "status";
            return path + "/status";
        }

        private static Endpoint at(String scheme, String host, int port, String path) {
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            String shown = scheme + "://" + h + ":" + port + path;
            try {
                return new Endpoint(new URI(shown), shown, port);
            } catch (URISyntaxException e) {
                throw new UsageException("the status URL is not a URL: " + e.getReason());
            }
        }
    }
}
