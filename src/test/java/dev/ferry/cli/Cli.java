package dev.ferry.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the ferry command line in-process, capturing what it prints, for tests. */
public final class Cli {
    public record Result(int exitCode, String out, String err) {
        @Override public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Cli() {
    }

    /** What a first SIGINT/SIGTERM does to the running command: asks its job to stop cleanly. */
    public static void interrupt() {
        StopSignals.interrupt();
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }
}
