package dev.ferry.cli;

import dev.ferry.rdb.RdbFormatException;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisErrorException;
import dev.ferry.util.WriteFailedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.slf4j.LoggerFactory;

/**
 * Turns whatever stopped a command into one line for the operator and an exit code. Expected failures
 * (bad input, unreachable or refusing servers) never show a stack trace; an unexpected one is logged in
 * full at debug level and still summarised in one line.
 */
final class Errors {
    private Errors() {
    }

    static int report(Exception ex, PrintWriter err) {
        Throwable e = ex;
        if (e instanceof UncheckedIOException u && u.getCause() != null) e = u.getCause();
        if (e instanceof IllegalArgumentException) {
            err.println("ferry: " + e.getMessage());
            return ExitCode.USAGE;
        }
        String message;
        if (e instanceof RdbFormatException || e instanceof RedisConnectionException || e instanceof WriteFailedException
                || e instanceof RedisErrorException) {
            message = e.getMessage();
        } else if (e instanceof IOException) {
            message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } else {
            LoggerFactory.getLogger(Errors.class).debug("unexpected failure", e);
            message = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        err.println("ferry: error: " + message.replace('\n', ' '));
        err.flush();
        return ExitCode.FAILED;
    }
}
