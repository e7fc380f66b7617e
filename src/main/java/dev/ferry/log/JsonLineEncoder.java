package dev.ferry.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.resp.RedisUri;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One JSON object per log event, on one line, for log shippers: {@code timestamp} (ISO-8601 UTC, always with
 * milliseconds), {@code level}, {@code logger}, {@code thread}, {@code message}, and {@code exception}
 * ({@code class}, {@code message}) when the event has one. The stack trace ({@code exception.stackTrace}, one JSON
 * string: its line breaks escaped) only when Ferry logs at debug level, as the text format's readers get one only
 * then from {@code Errors}.
 * <p>
 * Not Logback's own {@code JsonEncoder}: its timestamp is epoch milliseconds, its {@code message} is the
 * unformatted template ("copied {} keys") with the raw arguments beside it, and its exception is always the whole
 * stack as an array of frames. A URI's password in a message is masked ({@link RedisUri#scrub}), as in every
 * error line Ferry prints.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final byte[] NONE = new byte[0];
    private static final byte[] NEWLINE = {'\n'};

    /** The logger whose level says whether stack traces are wanted: FERRY_LOG_LEVEL sets it (StderrLogging). */
    static final String FERRY_LOGGER = "dev.ferry";

    private final JsonFactory json = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("timestamp", TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp())));
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("message", RedisUri.scrub(event.getFormattedMessage()));
            IThrowableProxy t = event.getThrowableProxy();
            if (t != null) {
                g.writeObjectFieldStart("exception");
                g.writeStringField("class", t.getClassName());
                g.writeStringField("message", RedisUri.scrub(t.getMessage()));
                if (stackTraces()) g.writeStringField("stackTrace", RedisUri.scrub(ThrowableProxyUtil.asString(t)));
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        bytes.writeBytes(NEWLINE);
        return bytes.toByteArray();
    }

    private boolean stackTraces() {
        return getContext() instanceof LoggerContext ctx && ctx.getLogger(FERRY_LOGGER).isEnabledFor(Level.DEBUG);
    }
}
