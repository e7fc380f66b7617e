package dev.ferry.cli;

import dev.ferry.status.RunBoard;
import dev.ferry.status.RunView;
import dev.ferry.status.StatusServer;
import dev.ferry.util.UsageException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * --status-port and its companions: the status endpoint (dashboard, /status, /metrics) of a running command.
 * Loopback by default; any other address needs a token, which is read from a file or the environment rather
 * than the command line where it can (a command line shows in {@code ps}).
 */
final class StatusOptions {
    static final String TOKEN_ENV = "FERRY_STATUS_TOKEN";

    @Option(names = "--status-port", paramLabel = "PORT", description = "Serve the run's status on PORT: a dashboard at /, "
            + "JSON at /status, Prometheus metrics at /metrics (0: any free port; the address is printed at start).")
    Integer port;

    @Option(names = "--status-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "Address to serve the "
            + "status on (default: ${DEFAULT-VALUE}). Any non-loopback address needs a token.")
    String bind;

    @Option(names = "--status-token-file", paramLabel = "FILE", description = "A file holding the token every status "
            + "request must carry (Authorization: Bearer TOKEN; the dashboard takes it once as /?token=TOKEN). "
            + "Also read from " + TOKEN_ENV + ".")
    Path tokenFile;

    @Option(names = "--status-token", paramLabel = "TOKEN", description = "The token itself (shows in ps: prefer "
            + "--status-token-file or " + TOKEN_ENV + ").")
    String token;

    /** Starts the endpoint over {@code view} when --status-port was given (else null), saying where on {@code err}. */
    StatusServer start(RunView view, PrintWriter err) {
        if (port == null) {
            if (token != null || tokenFile != null || !bind.equals("127.0.0.1")) {
                throw new UsageException("--status-bind and --status-token need --status-port");
            }
            return null;
        }
        RunBoard board = new RunBoard(view);
        String token = token();
        StatusServer server = StatusServer.start(board, bind, port, token);
        err.println("status: " + server.url() + " (dashboard; /status JSON; /metrics for Prometheus)"
                + (token != null ? ", token required" : ""));
        err.flush();
        return server;
    }

    /** --status-token, else the file or the environment, read as {@code ferry status} reads them. */
    private String token() {
        if (token != null && !token.isBlank()) return token.trim();
        StatusCommand.Token t = StatusCommand.Token.read(tokenFile, System::getenv);
        return t == null ? null : t.value();
    }
}
