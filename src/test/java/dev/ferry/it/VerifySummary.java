package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.cli.Cli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The summary {@code ferry verify} ends its stdout with, read the way an operator's script would: by label, in
 * the documented order, tolerant of spacing and of thousands separators (the other commands print
 * {@code 159,547}), strict about everything else.
 */
record VerifySummary(long sourceKeys, long targetKeys, long missingOnTarget, long missingOnSource, long type,
                     long value, long ttl, int rounds, List<Long> differencesAfterEachRound, double seconds,
                     double keysPerSecond, long resultDifferences, String resultLine) {

    /** Labels in the order the contract fixes; each is followed by a number on the same line. */
    private static final String[] COUNTER_LABELS = {"source keys checked", "target keys checked", "missing on target",
            "missing on source", "type", "value", "ttl"};
    private static final String NUMBER = "(\\d[\\d,]*)";
    private static final String DECIMAL = "(\\d[\\d,]*(?:\\.\\d+)?)";

    /** The difference counters only, in contract order, for assertions that name the one expected to be 1. */
    List<Long> counters() {
        return List.of(missingOnTarget, missingOnSource, type, value, ttl);
    }

    long differences() {
        return missingOnTarget + missingOnSource + type + value + ttl;
    }

    static VerifySummary parse(Cli.Result r) {
        String out = r.out();
        List<Integer> positions = new ArrayList<>();
        long[] counters = new long[COUNTER_LABELS.length];
        for (int i = 0; i < COUNTER_LABELS.length; i++) {
            Matcher m = line(Pattern.quote(COUNTER_LABELS[i]) + "\\s+" + NUMBER).matcher(out);
            assertThat(m.find()).as("summary line '%s <n>' in\n%s", COUNTER_LABELS[i], r).isTrue();
            counters[i] = number(m.group(1));
            positions.add(m.start());
        }
        Matcher rounds = line("rounds\\s+" + NUMBER + "\\s+\\(differences after each:\\s*([\\d, ]*?)\\s*\\)").matcher(out);
        assertThat(rounds.find()).as("summary line 'rounds R (differences after each: ...)' in\n%s", r).isTrue();
        positions.add(rounds.start());
        int roundCount = (int) number(rounds.group(1));
        List<Long> perRound = new ArrayList<>();
        // ", " separates rounds; a comma without a space is a thousands separator inside one number
        for (String n : rounds.group(2).trim().split(",\\s+")) {
            if (!n.isBlank()) perRound.add(number(n));
        }
        Matcher seconds = line("seconds\\s+" + DECIMAL).matcher(out);
        assertThat(seconds.find()).as("summary line 'seconds S' in\n%s", r).isTrue();
        positions.add(seconds.start());
        Matcher rate = line("keys/s\\s+" + DECIMAL).matcher(out);
        assertThat(rate.find()).as("summary line 'keys/s K' in\n%s", r).isTrue();
        positions.add(rate.start());
        assertThat(positions).as("summary lines in the documented order\n%s", r).isSorted();

        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).isNotEmpty();
        String last = lines.get(lines.size() - 1).strip();
        Matcher result = Pattern.compile("result: (?:(EQUAL)|" + NUMBER + " DIFFERENCE(?:S|\\(S\\))?)").matcher(last);
        assertThat(result.matches()).as("last line is 'result: EQUAL' or 'result: N DIFFERENCE(S)'\n%s", r).isTrue();
        long resultN = result.group(1) != null ? 0 : number(result.group(2));
        assertThat(rounds.start()).as("the result line comes after the summary\n%s", r).isLessThan(out.lastIndexOf("result:"));

        VerifySummary s = new VerifySummary(counters[0], counters[1], counters[2], counters[3], counters[4], counters[5],
                counters[6], roundCount, List.copyOf(perRound), decimal(seconds.group(1)), decimal(rate.group(1)), resultN, last);
        assertThat(perRound).as("one difference count per round\n%s", r).hasSize(roundCount);
        assertThat(resultN).as("the result line counts what the counters count\n%s", r).isEqualTo(s.differences());
        if (!perRound.isEmpty()) {
            assertThat(perRound.get(perRound.size() - 1)).as("the last round leaves what the result says\n%s", r)
                    .isEqualTo(resultN);
        }
        return s;
    }

    private static Pattern line(String body) {
        return Pattern.compile("^\\s*" + body + "\\s*$", Pattern.MULTILINE);
    }

    private static long number(String s) {
        return Long.parseLong(s.replace(",", "").trim());
    }

    private static double decimal(String s) {
        return Double.parseDouble(s.replace(",", "").trim());
    }

    /** The {@code --report} file's JSON lines. */
    static List<JsonNode> report(Path file) {
        ObjectMapper json = new ObjectMapper();
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String l : Files.readAllLines(file)) {
                if (!l.isBlank()) out.add(json.readTree(l));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
