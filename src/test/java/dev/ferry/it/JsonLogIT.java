package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.cli.Main;
import dev.ferry.demo.SampleData;
import dev.ferry.log.LogFormat;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A real replicate with {@code --log-format json} at debug level (as FERRY_LOG_LEVEL=debug), source and target
 * both behind {@code requirepass}: every line the logger writes to stderr is one JSON object with the fields the
 * help promises, and neither the password nor a piece of it is anywhere in what the run printed.
 */
class JsonLogIT {
    static final String PW = "Sekr3tPw";
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("jsonlog-source").password(PW)).flushBeforeEach();
    /** LPUSH renamed away: a live LPUSH of the source is refused, and the refusal is a debug line (Outcomes). */
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("jsonlog-target").password(PW)
            .args("--rename-command", "LPUSH", "\"\"")).flushBeforeEach();

    private Level levelBefore;
    private PrintStream stderrBefore;
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** What one in-process run printed: its out and err writers, and what the logger wrote to System.err. */
    record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void debugLoggingToACapturedStderr() {
        // FERRY_LOG_LEVEL=debug sets this logger's level in logback.xml; in-process the test sets it itself
        Logger ferry = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.ferry");
        levelBefore = ferry.getLevel();
        ferry.setLevel(Level.DEBUG);
        stderrBefore = System.err;
        // logback.xml's console appender writes to whatever System.err is at the time of each line
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(stderrBefore);
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.ferry").setLevel(levelBefore);
        LogFormat.apply(LogFormat.TEXT);
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyLogLineOfAReplicateIsJsonAndThePasswordIsNowhere() throws Exception {
        RedisServer s = source.get();
        RedisServer t = target.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 3);
        }
        List<Run> runs = new ArrayList<>();
        // a snapshot copy, then a live run that resumes from its checkpoint (partial resync) and stops by itself
        runs.add(run("replicate", "--source", s.uriWithCredentials(), "--target", t.uriWithCredentials(),
                "--mode", "snapshot", "--log-format", "json", "-q"));
        assertThat(runs.get(0).exitCode()).as(runs.get(0).toString() + stderr).isZero();
        // once live, one LPUSH the target refuses: a failed command, logged at debug level
        Thread writer = new Thread(() -> {
            long until = System.nanoTime() + 20_000_000_000L;
            while (!stderr.toString(StandardCharsets.UTF_8).contains("following the source's changes") && System.nanoTime() < until) {
                LiveRun.sleep(20); // waits for the live run to be following the source (bounded: 20 s)
            }
            s.cli("LPUSH", "refused", "a");
        }, "jsonlog-writer");
        writer.start();
        runs.add(run("replicate", "--source", s.uriWithCredentials(), "--target", t.uriWithCredentials(),
                "--mode", "live", "--run-for", "3", "--log-format", "json", "-q"));
        writer.join(30_000);
        assertThat(runs.get(1).exitCode()).as(runs.get(1).toString() + stderr).isEqualTo(1);
        // the command's own error lines: in its err writer, or in the log when Main routes that writer there
        assertThat(runs.get(1).err() + stderr).contains("ferry: error: 1 key or command not applied");
        // and one refused: a wrong password on the target
        String wrong = "redis://:" + PW + "x@" + t.hostAndPort();
        runs.add(run("replicate", "--source", s.uriWithCredentials(), "--target", wrong, "--mode", "snapshot",
                "--log-format", "json", "-q"));
        assertThat(runs.get(2).exitCode()).as(runs.get(2).toString() + stderr).isEqualTo(1);
        assertThat(runs.get(2).err() + stderr).contains("ferry: error: ").contains("WRONGPASS");

        System.err.flush();
        String logged = stderr.toString(StandardCharsets.UTF_8);
        String[] lines = logged.split("\n", -1);
        assertThat(lines[lines.length - 1]).as("the log ends with a line break").isEmpty();
        ObjectMapper mapper = new ObjectMapper();
        Set<String> levels = new java.util.TreeSet<>();
        int n = 0;
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            JsonNode o = mapper.readTree(line);
            assertThat(o.isObject()).as(line).isTrue();
            List<String> fields = new ArrayList<>();
            o.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).as(line).startsWith("timestamp", "level", "logger", "thread", "message");
            assertThat(fields.size()).as(line).isBetween(5, 6);
            assertThat(o.get("timestamp").asText()).as(line).matches(TIMESTAMP);
            assertThat(o.get("level").asText()).as(line).isIn("ERROR", "WARN", "INFO", "DEBUG");
            assertThat(o.get("logger").asText()).as(line).startsWith("dev.ferry.");
            assertThat(o.get("thread").asText()).as(line).isNotEmpty();
            assertThat(o.get("message").isTextual()).as(line).isTrue();
            if (fields.size() == 6) {
                assertThat(fields.get(5)).as(line).isEqualTo("exception");
                assertThat(o.get("exception").get("class").asText()).as(line).isNotEmpty();
            }
            levels.add(o.get("level").asText());
            n++;
        }
        assertThat(n).as("log lines written:%n%s", logged).isGreaterThan(3);
        assertThat(levels).as("debug lines were written too:%n%s", logged).contains("DEBUG", "INFO");
        StringBuilder everything = new StringBuilder(logged);
        for (Run r : runs) everything.append(r.out()).append(r.err());
        SecretsIT.assertNoSecret(everything.toString(), "replicate with --log-format json at debug");
    }
}
