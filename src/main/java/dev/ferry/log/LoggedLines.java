package dev.ferry.log;

import java.io.PrintWriter;
import java.io.Writer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command's error writer under {@code --log-format json}: each line the command prints there (a resume notice,
 * {@code ferry: error: ...}) becomes one log event, so stderr holds only JSON objects for a log shipper. A line
 * starting {@code ferry: error} is an ERROR, any other a WARN: both show at Ferry's default level, as the plain
 * lines always did.
 */
public final class LoggedLines extends Writer {
    /** The logger the lines carry: where they come from, the command line. */
    static final String LOGGER = "dev.ferry.cli";

    private final Logger log = LoggerFactory.getLogger(LOGGER);
    private final StringBuilder line = new StringBuilder();

    /** A print writer whose lines go to the log (autoflush is moot: a line goes out when it ends). */
    public static PrintWriter printWriter() {
        return new PrintWriter(new LoggedLines(), true);
    }

    @Override
    public synchronized void write(char[] chars, int off, int len) {
        for (int i = off; i < off + len; i++) {
            char c = chars[i];
            if (c == '\n') {
                emit();
            } else if (c != '\r') {
                line.append(c);
            }
        }
    }

    /** A partial line waits for its end: a line is one event, however many writes made it. */
    @Override
    public void flush() {
    }

    @Override
    public synchronized void close() {
        emit();
    }

    private void emit() {
        if (line.length() == 0) return;
        String text = line.toString();
        line.setLength(0);
        if (text.startsWith("ferry: error")) log.error(text);
        else log.warn(text);
    }
}
