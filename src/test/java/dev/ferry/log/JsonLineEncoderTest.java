package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each event is one line holding one JSON object, field by field as the option's help promises. */
class JsonLineEncoderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** 2026-12-06T08:24:02.001Z */
    private static final long AT = 1796545442001L;

    private LoggerContext ctx;
    private JsonLineEncoder encoder;

    @BeforeEach
    void setUp() {
        // a context of the test's own: the global one's levels are not the test's to change
        ctx = new LoggerContext();
        ctx.setMDCAdapter(new LogbackMDCAdapter());
        ctx.getLogger(JsonLineEncoder.FERRY_LOGGER).setLevel(Level.WARN);
        encoder = new JsonLineEncoder();
        encoder.setContext(ctx);
        encoder.start();
    }

    private LoggingEvent event(Level level, String template, Throwable t, Object... args) {
        Logger logger = ctx.getLogger("dev.ferry.source.redis.ReplicaLink");
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, level, template, t, args);
        e.setTimeStamp(AT);
        e.setThreadName("link-127.0.0.1:7001");
        return e;
    }

    /** The encoded bytes: exactly one line, and the object on it. */
    private JsonNode line(LoggingEvent e) throws IOException {
        String text = new String(encoder.encode(e), StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        assertThat(text.substring(0, text.length() - 1)).doesNotContain("\n").doesNotContain("\r");
        return MAPPER.readTree(text);
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    @Test
    void anEventWithoutExceptionHasTheFiveFieldsInOrder() throws IOException {
        JsonNode n = line(event(Level.INFO, "partial resync at {} of {}", null, 123, "ab12"));
        assertThat(names(n)).containsExactly("timestamp", "level", "logger", "thread", "message");
        assertThat(n.get("timestamp").asText()).isEqualTo("2026-12-06T08:24:02.001Z");
        assertThat(n.get("level").asText()).isEqualTo("INFO");
        assertThat(n.get("logger").asText()).isEqualTo("dev.ferry.source.redis.ReplicaLink");
        assertThat(n.get("thread").asText()).isEqualTo("link-127.0.0.1:7001");
        assertThat(n.get("message").asText()).isEqualTo("partial resync at 123 of ab12");
    }

    @Test
    void aWholeSecondStillHasItsMilliseconds() throws IOException {
        LoggingEvent e = event(Level.WARN, "x", null);
        e.setTimeStamp(1796545442000L);
        assertThat(line(e).get("timestamp").asText()).isEqualTo("2026-12-06T08:24:02.000Z");
    }

    @Test
    void quotesLineBreaksAndControlCharactersStayInsideTheOneLine() throws IOException {
        String message = "key \"a\\b\"\nsecond line\r\tand a bell \u0007 and é€";
        JsonNode n = line(event(Level.WARN, "{}", null, message));
        assertThat(n.get("message").asText()).isEqualTo(message);
    }

    @Test
    void anExceptionGivesItsClassAndMessageWithoutStackAboveDebug() throws IOException {
        JsonNode n = line(event(Level.WARN, "link lost", new java.io.IOException("Connection reset")));
        assertThat(names(n)).containsExactly("timestamp", "level", "logger", "thread", "message", "exception");
        assertThat(n.get("message").asText()).isEqualTo("link lost");
        JsonNode ex = n.get("exception");
        assertThat(names(ex)).containsExactly("class", "message");
        assertThat(ex.get("class").asText()).isEqualTo("java.io.IOException");
        assertThat(ex.get("message").asText()).isEqualTo("Connection reset");
    }

    @Test
    void anExceptionWithoutMessageHasANullMessage() throws IOException {
        JsonNode ex = line(event(Level.ERROR, "failed", new IllegalStateException())).get("exception");
        assertThat(ex.get("class").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(ex.get("message").isNull()).isTrue();
    }

    @Test
    void atDebugTheStackTraceIsOneStringField() throws IOException {
        ctx.getLogger(JsonLineEncoder.FERRY_LOGGER).setLevel(Level.DEBUG);
        Exception cause = new java.net.ConnectException("refused");
        JsonNode n = line(event(Level.DEBUG, "unexpected failure", new IllegalStateException("broken", cause)));
        JsonNode ex = n.get("exception");
        assertThat(names(ex)).containsExactly("class", "message", "stackTrace");
        assertThat(ex.get("class").asText()).isEqualTo("java.lang.IllegalStateException");
        String stack = ex.get("stackTrace").asText();
        assertThat(stack).startsWith("java.lang.IllegalStateException: broken\n\tat dev.ferry.log.JsonLineEncoderTest.")
                .contains("Caused by: java.net.ConnectException: refused");
    }

    @Test
    void aPasswordInAUriIsMasked() throws IOException {
        JsonNode n = line(event(Level.WARN, "cannot reach {}", new java.io.IOException("to redis://:Sekr3tPw@h:1 failed"),
                "redis://user:Sekr3tPw@127.0.0.1:7001"));
        assertThat(n.get("message").asText()).isEqualTo("cannot reach redis://***@127.0.0.1:7001");
        assertThat(n.get("exception").get("message").asText()).isEqualTo("to redis://***@h:1 failed");
    }

    @Test
    void noHeaderOrFooter() {
        assertThat(encoder.headerBytes()).isEmpty();
        assertThat(encoder.footerBytes()).isEmpty();
    }
}
