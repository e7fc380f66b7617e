package dev.ferry.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs {@code ferry status} in-process for tests, as {@link Main#run} runs a command (failures reported by
 * {@link Errors}), with the environment it reads its token from given here, never the test JVM's own, and
 * whether its stdout counts as a terminal.
 */
public final class StatusCli {
    private StatusCli() {
    }

    public static Cli.Result run(Map<String, String> env, String... args) {
        return run(env, false, args);
    }

    static Cli.Result run(Map<String, String> env, boolean terminal, String... args) {
        StatusCommand command = new StatusCommand();
        command.env = env::get;
        command.terminal = terminal;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> Errors.report(ex, cmd.getErr()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Cli.Result(code, out.toString(), err.toString());
    }
}
