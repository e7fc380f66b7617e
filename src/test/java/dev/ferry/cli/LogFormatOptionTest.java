package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.log.JsonLineEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** --log-format switches logback.xml's stderr appender as the command line is parsed, on every command that logs. */
class LogFormatOptionTest {
    private static OutputStreamAppender<ILoggingEvent> stderr() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        return (OutputStreamAppender<ILoggingEvent>) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    }

    @AfterEach
    void backToText() {
        Main.commandLine().parseArgs("import", "x.rdb", "--target", "redis://127.0.0.1:1");
    }

    @Test
    void eachCommandSwitchesToJsonAndBackToTextWithoutTheOption() {
        String[][] commands = {
            {"import", "x.rdb", "--target", "redis://127.0.0.1:1"},
            {"replicate", "--source", "redis://127.0.0.1:1", "--target", "redis://127.0.0.1:2"},
            {"verify", "--source", "redis://127.0.0.1:1", "--target", "redis://127.0.0.1:2"},
        };
        for (String[] c : commands) {
            String[] json = java.util.Arrays.copyOf(c, c.length + 2);
            json[c.length] = "--log-format";
            json[c.length + 1] = "json";
            Main.commandLine().parseArgs(json);
            assertThat(stderr().getEncoder()).as(c[0]).isInstanceOf(JsonLineEncoder.class);
            Main.commandLine().parseArgs(c);
            assertThat(stderr().getEncoder()).as(c[0]).isInstanceOf(PatternLayoutEncoder.class);
        }
        Main.commandLine().parseArgs("replicate", "--source", "redis://127.0.0.1:1", "--target", "redis://127.0.0.1:2", "--log-format=Json");
        assertThat(stderr().getEncoder()).isInstanceOf(JsonLineEncoder.class);
        Main.commandLine().parseArgs("replicate", "--source", "redis://127.0.0.1:1", "--target", "redis://127.0.0.1:2", "--log-format", "text");
        assertThat(stderr().getEncoder()).isInstanceOf(PatternLayoutEncoder.class);
    }

    @Test
    void aLineLoggedAfterTheSwitchIsJsonOnStderr() throws Exception {
        PrintStream before = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Main.commandLine().parseArgs("import", "x.rdb", "--target", "redis://127.0.0.1:1", "--log-format", "json");
            LoggerFactory.getLogger("dev.ferry.test").warn("one {} line", "json");
            Main.commandLine().parseArgs("import", "x.rdb", "--target", "redis://127.0.0.1:1");
            LoggerFactory.getLogger("dev.ferry.test").warn("one {} line", "text");
        } finally {
            System.setErr(before);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        JsonNode n = new ObjectMapper().readTree(lines[0]);
        assertThat(n.get("level").asText()).isEqualTo("WARN");
        assertThat(n.get("logger").asText()).isEqualTo("dev.ferry.test");
        assertThat(n.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(n.get("message").asText()).isEqualTo("one json line");
        assertThat(lines[1]).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  one text line");
    }

    @Test
    void aBadValueIsOneLineAndAUsageError() {
        Cli.Result r = Cli.run("import", "x.rdb", "--target", "redis://127.0.0.1:1", "--log-format", "xml");
        assertThat(r.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).isEqualTo("ferry: --log-format must be text or json, not 'xml'\nTry 'ferry import --help'.\n");
        assertThat(r.out()).isEmpty();
    }
}
