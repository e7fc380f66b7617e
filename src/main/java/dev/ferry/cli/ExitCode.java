package dev.ferry.cli;

/** Exit codes of every command, as DESIGN.md lists them. */
public final class ExitCode {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int DIFFERENCES = 3;

    private ExitCode() {
    }
}
