package dev.ferry.cli;

import dev.ferry.resp.RedisUri;
import dev.ferry.source.dragonfly.JournalWindow;
import dev.ferry.source.redis.ResumeWindow;
import java.io.PrintWriter;
import java.util.List;

/**
 * The start of a live replica-protocol run: raises the source's backlog where {@code --backlog} asks, and says how
 * long Ferry may be down before a restart needs a full sync. Printed whatever --quiet says: it is what an operator
 * plans a restart by.
 */
final class ResumeWindowCheck {
    private ResumeWindowCheck() {
    }

    /** {@code raiseTo} in bytes, 0 to leave the backlog as it is. */
    static void print(RedisUri source, long raiseTo, PrintWriter err) {
        for (String line : lines(source, raiseTo)) err.println(line);
        err.flush();
    }

    /**
     * The lines, for the job to print after its own first lines (resuming, cannot resume): the backlog is raised
     * here, before the source's links connect.
     */
    static List<String> lines(RedisUri source, long raiseTo) {
        return source.kind() == RedisUri.Kind.DRAGONFLY ? JournalWindow.check(source, raiseTo)
                : ResumeWindow.check(source, raiseTo);
    }
}
