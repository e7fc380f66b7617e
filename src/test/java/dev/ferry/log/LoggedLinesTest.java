package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines printed to a command's error writer under json become one JSON log object each, on stderr. */
class LoggedLinesTest {
    @Test
    void eachLineIsOneEventErrorsAsErrorsTheRestAsWarnings() throws Exception {
        PrintStream before = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            LogFormat.apply(LogFormat.JSON);
            assertThat(LogFormat.current()).isEqualTo(LogFormat.JSON);
            PrintWriter err = LoggedLines.printWriter();
            err.println("resuming master 127.0.0.1:7001 from offset 12");
            err.print("ferry: error: ");
            err.flush(); // a flush inside a line does not cut it
            err.printf("%d keys not applied%n", 3);
            err.println();
            err.print("windows line\r\n");
            err.print("unfinished");
            err.close();
        } finally {
            System.setErr(before);
            LogFormat.apply(LogFormat.TEXT);
        }
        assertThat(LogFormat.current()).isEqualTo(LogFormat.TEXT);
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String l : captured.toString(StandardCharsets.UTF_8).split("\n")) events.add(mapper.readTree(l));
        assertThat(events).hasSize(4);
        assertThat(events).allSatisfy(e -> assertThat(e.get("logger").asText()).isEqualTo("dev.ferry.cli"));
        assertThat(events.get(0).get("level").asText()).isEqualTo("WARN");
        assertThat(events.get(0).get("message").asText()).isEqualTo("resuming master 127.0.0.1:7001 from offset 12");
        assertThat(events.get(1).get("level").asText()).isEqualTo("ERROR");
        assertThat(events.get(1).get("message").asText()).isEqualTo("ferry: error: 3 keys not applied");
        assertThat(events.get(2).get("level").asText()).isEqualTo("WARN");
        assertThat(events.get(2).get("message").asText()).isEqualTo("windows line");
        assertThat(events.get(3).get("message").asText()).as("the last line, unended, goes out on close").isEqualTo("unfinished");
    }
}
