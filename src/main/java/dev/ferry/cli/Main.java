package dev.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ferry} command line. */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        resourceBundle = "dev.ferry.cli.HelpTexts",
        description = "Moves a Redis-protocol dataset from one server to another.")
public final class Main {
    /**
     * The subcommands, in the order the help lists them. Added by {@link #commandLine(String...)} rather than named in
     * the annotation: picocli builds the whole model of every command it is given (reflection over each option, and
     * each command's static set-up), a tenth of a second of every run's start.
     */
    private static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(ImportCommand.class, ReplicateCommand.class,
            VerifyCommand.class, ForgetCommand.class, CutoverCommand.class, StatusCommand.class, DemoCommand.class,
            CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command line with its output and errors going to the given writers. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> Errors.report(ex, cmd.getErr()));
        cl.setParameterExceptionHandler(Main::usageError);
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            // picocli ignores words it did not match when --help or --version is given: "ferry replicat --help"
            // would print the top command's help as if it were right
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                if (!p.unmatched().isEmpty()) throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
            requireGroupedOptions(parsed);
            // --log-format json: the command's own stderr lines become log events too, so stderr is JSON only
            if (dev.ferry.log.LogFormat.current() == dev.ferry.log.LogFormat.JSON) cl.setErr(dev.ferry.log.LoggedLines.printWriter());
            return run.execute(parsed);
        });
        return cl.execute(args);
    }

    /** The command tree, parsing as every run parses (tests parse with it too). */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command tree for {@code args}: when the first word names a subcommand (other than help, which looks the
     * others up), only that one is built, and it parses, runs and reports errors as in the whole tree; anything else
     * (no word, an option, a misspelt command, help) gets every subcommand, for the listing and the suggestions.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = null;
        if (args.length > 0) {
            for (Class<?> c : SUBCOMMANDS) {
                if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0])) only = c;
            }
        }
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) cl.addSubcommand(c);
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /**
     * One line saying what is wrong (an unknown word first, with what it may have meant: a misspelt option also
     * makes a required one look missing), then where the help is. A word of the command line may hold a URI
     * with a password: it is masked.
     */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        CommandLine.ParameterException shown = ex;
        if (!(ex instanceof CommandLine.UnmatchedArgumentException) && !cmd.getUnmatchedArguments().isEmpty()) {
            shown = new CommandLine.UnmatchedArgumentException(cmd, cmd.getUnmatchedArguments());
        }
        String line = shown.getMessage();
        String choice = badChoice(shown);
        if (choice != null) line = choice;
        if (shown instanceof CommandLine.UnmatchedArgumentException u && !u.isUnknownOption() && cmd.getParent() == null
                && !u.getUnmatched().isEmpty() && args.length > 0 && args[0].equals(u.getUnmatched().get(0))) {
            line = "Unknown command: '" + args[0] + "'";
        }
        if (shown instanceof CommandLine.UnmatchedArgumentException u) {
            java.util.List<String> maybe = closest(u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0), u.getSuggestions());
            if (!maybe.isEmpty()) {
                line += " (did you mean " + String.join(" or ", maybe.subList(0, Math.min(3, maybe.size()))) + "?)";
            }
        }
        java.io.PrintWriter err = cmd.getErr();
        err.println("ferry: " + dev.ferry.resp.RedisUri.scrub(line));
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        return ExitCode.USAGE;
    }

    /**
     * Of picocli's suggestions, those nearest to what was typed (fewest edits): it suggests by shared letters, so
     * "verfy" would get "cutover" beside "verify".
     */
    static java.util.List<String> closest(String typed, java.util.List<String> suggestions) {
        int best = Integer.MAX_VALUE;
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String s : suggestions) {
            int d = edits(typed.replaceFirst("^-+", ""), s.replaceFirst("^-+", ""));
            if (d < best) {
                best = d;
                out.clear();
            }
            if (d == best) out.add(s);
        }
        return out;
    }

    private static int edits(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int same = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + same);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * picocli checks no required option inside an {@code @ArgGroup(validate = false)}, which only makes a help
     * section: check those (--source, --target) here, with the words picocli uses for the others. Not when help or
     * the version is asked for, as picocli does.
     */
    private static void requireGroupedOptions(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) return;
        }
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            CommandLine.ParseResult matched = p;
            // by name, as picocli's synopsis lists them: "'--source=URI', '--target=URI'", as before the sections
            java.util.List<CommandLine.Model.OptionSpec> missing = p.commandSpec().options().stream()
                    .filter(o -> o.required() && o.group() != null && !matched.hasMatchedOption(o))
                    .sorted(java.util.Comparator.comparing(CommandLine.Model.OptionSpec::longestName)).toList();
            if (missing.isEmpty()) continue;
            String names = missing.stream().map(o -> "'" + o.longestName() + "=" + o.paramLabel() + "'")
                    .collect(java.util.stream.Collectors.joining(", "));
            throw new CommandLine.MissingParameterException(p.commandSpec().commandLine(), new java.util.ArrayList<>(missing),
                    "Missing required option" + (missing.size() > 1 ? "s" : "") + ": " + names);
        }
    }

    /**
     * For a word that is not one of an option's choices (its type is an enum), the line Ferry always gave, e.g.
     * {@code --mode must be snapshot or live, not 'sometimes'}; null for any other error.
     */
    private static String badChoice(CommandLine.ParameterException ex) {
        if (!(ex.getCause() instanceof CommandLine.TypeConversionException)
                || !(ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o) || !o.type().isEnum() || o.completionCandidates() == null) {
            return null;
        }
        java.util.List<String> words = new java.util.ArrayList<>();
        for (String w : o.completionCandidates()) words.add(w);
        if (words.isEmpty()) return null;
        String last = words.remove(words.size() - 1);
        return o.longestName() + " must be " + (words.isEmpty() ? "" : String.join(", ", words) + " or ") + last
                + ", not '" + ex.getValue() + "'";
    }

    /** The version and the commit it was built from, written by the build into dev/ferry/version.properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = dev.ferry.util.BuildInfo.version();
            String commit = dev.ferry.util.BuildInfo.commit();
            return new String[] {"ferry " + (v == null ? "(version unknown: not built by Maven)" : v)
                    + (commit.isEmpty() ? "" : " (commit " + commit + ")")};
        }
    }
}
