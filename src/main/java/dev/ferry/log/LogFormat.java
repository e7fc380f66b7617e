package dev.ferry.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * How log lines look on stderr: {@code text} (StderrLogging's pattern, for people) or {@code json} (one object a
 * line, {@link JsonLineEncoder}, for log shippers). {@link #apply} swaps the encoder of StderrLogging's
 * {@code STDERR} appender in place, so it takes effect from the next line, whatever thread logs it; a run that
 * asks for text after one that asked for json (tests run many in one JVM) gets the pattern back.
 */
public enum LogFormat {
    TEXT, JSON;

    /** The appender StderrLogging makes; the only one Ferry logs through. */
    static final String APPENDER = "STDERR";

    /** The format in use now: json while that appender has our encoder. */
    public static synchronized LogFormat current() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return TEXT;
        Appender<ILoggingEvent> a = ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
        return a instanceof OutputStreamAppender<ILoggingEvent> o && o.getEncoder() instanceof JsonLineEncoder ? JSON : TEXT;
    }

    /** Makes the log lines from now on look as {@code format} says; nothing when Logback is not the logger. */
    public static synchronized void apply(LogFormat format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        Appender<ILoggingEvent> a = ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
        if (!(a instanceof OutputStreamAppender<ILoggingEvent> appender)) return;
        Encoder<ILoggingEvent> current = appender.getEncoder();
        if (format == JSON && !(current instanceof JsonLineEncoder)) {
            JsonLineEncoder json = new JsonLineEncoder();
            json.setContext(ctx);
            json.start();
            text = current;
            appender.setEncoder(json);
        } else if (format == TEXT && current instanceof JsonLineEncoder && text != null) {
            appender.setEncoder(text);
        }
    }

    /** The pattern encoder StderrLogging configured, kept while json is in use. */
    private static Encoder<ILoggingEvent> text;
}
