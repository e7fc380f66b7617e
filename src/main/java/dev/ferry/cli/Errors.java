package dev.ferry.cli;

import dev.ferry.rdb.RdbFormatException;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisErrorException;
import dev.ferry.util.UsageException;
import dev.ferry.util.WriteFailedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.slf4j.LoggerFactory;

/**
 * Turns whatever stopped a command into one line for the operator and an exit code, by the failure's type, in
 * this one place: bad input the user can fix ({@link UsageException}) is a usage error (2); a damaged file, a
 * server that cannot be reached or refuses (credentials, permissions, error replies), a failed write or an I/O
 * error is a failure (1) whose message says what happened. Expected failures never show a stack trace; anything
 * else (an {@link IllegalArgumentException} from deep inside included: it is a bug, not bad input) is logged in
 * full at debug level and still summarised in one line, exit 1.
 */
final class Errors {
    private Errors() {
    }

    static int report(Exception ex, PrintWriter err) {
        Throwable e = ex;
        if (e instanceof UncheckedIOException u && u.getCause() != null) e = u.getCause();
        if (e instanceof UsageException) {
            err.println("ferry: " + e.getMessage());
            err.flush();
            return ExitCode.USAGE;
        }
        String message;
        if (e instanceof RdbFormatException || e instanceof RedisConnectionException || e instanceof WriteFailedException
                || e instanceof RedisErrorException) {
            message = e.getMessage();
            LoggerFactory.getLogger(Errors.class).debug("stopped by", e);
        } else if (e instanceof IOException) {
            message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } else {
            LoggerFactory.getLogger(Errors.class).debug("unexpected failure", e);
            message = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (message == null) message = e.getClass().getSimpleName();
        err.println("ferry: error: " + message.replace('\n', ' '));
        err.flush();
        return ExitCode.FAILED;
    }
}
