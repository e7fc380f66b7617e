package dev.ferry.cli;

/** Exit codes of every command, as DESIGN.md lists them. */
public final class ExitCode {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int DIFFERENCES = 3;
    /**
     * Stopped (Ctrl-C, SIGTERM) before the copy was complete: the target holds part of the data. Not 1, which
     * says something went wrong, nor 130, which a second signal gives (quit at once, nothing drained).
     */
    public static final int INCOMPLETE = 4;

    private ExitCode() {
    }
}
