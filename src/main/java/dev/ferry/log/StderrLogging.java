package dev.ferry.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Ferry's logging, set up in code rather than by a logback.xml: reading XML costs every start ~80 ms of parser
 * classes (Joran, Xerces), a tenth of a short import's wall time. One appender, {@value LogFormat#APPENDER}, on
 * stderr, one line per event without logger names or thread noise (operators read it); the summary and the
 * one-line errors are the interface, so Ferry's own loggers say only warnings unless {@code FERRY_LOG_LEVEL}
 * (info, debug) asks for more. Logback finds this class through {@code META-INF/services}.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class StderrLogging extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        // an operator's own file (-Dlogback.configurationFile=..., through JAVA_OPTS) still wins
        if (System.getProperty("logback.configurationFile") != null) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(ctx);
        appender.setName(LogFormat.APPENDER);
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        ctx.getLogger("dev.ferry").setLevel(Level.toLevel(System.getenv("FERRY_LOG_LEVEL"), Level.WARN));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
