package dev.ferry.cli;

import dev.ferry.pipeline.RunStats;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** The "by reason, with the first keys" lines every summary prints. */
final class SummaryLines {
    private SummaryLines() {
    }

    static void reasons(PrintWriter out, Map<String, RunStats.Reason> reasons) {
        for (Map.Entry<String, RunStats.Reason> e : reasons.entrySet()) {
            RunStats.Reason r = e.getValue();
            out.printf(Locale.ROOT, "    %,d: %s%n", r.count, e.getKey());
            for (String ex : r.examples) out.printf("      %s%n", ex);
            if (r.count > r.examples.size()) out.printf(Locale.ROOT, "      ... and %,d more%n", r.count - r.examples.size());
        }
    }
}
