package dev.ferry.cli;

/** Run as a child process by {@link ProgressTest}: prints whether Ferry would draw progress bars on its stderr. */
public final class TerminalProbe {
    private TerminalProbe() {
    }

    public static void main(String[] args) {
        System.out.println("terminal=" + Progress.isTerminal());
    }
}
