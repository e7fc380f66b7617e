package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.writer.WriterOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The options' shape, without a server: words from a fixed set are enums (any case, the old defaults, the old
 * one-line error), the options shared by several commands behave as before, and each command's help is grouped
 * by concern.
 */
class CliOptionsTest {

    /** The command object picocli filled for {@code args} (a subcommand's), parsed as every run parses. */
    @SuppressWarnings("unchecked")
    private static <T> T parse(String... args) {
        CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
        return (T) r.subcommand().commandSpec().userObject();
    }

    private static List<String> usageError(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).as(r.toString()).isEmpty();
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(2);
        return lines;
    }

    @Test
    void enumOptionsKeepTheirDefaults() {
        ImportCommand imp = parse("import", "x.rdb", "--target", "redis://127.0.0.1:1");
        WriterOptions w = imp.write.toWriterOptions();
        assertThat(w.failOnError()).isFalse();
        assertThat(w.failOnUnsupported()).isFalse();
        assertThat(w.mode()).isEqualTo(WriterOptions.Mode.AUTO);
        assertThat(w.replace()).isTrue();
        assertThat(w.connections()).isEqualTo(4);
        assertThat(w.pipeline()).isEqualTo(1000);
        assertThat(w.batch()).isEqualTo(500);
        assertThat(w.reconnectTimeoutMs()).isEqualTo(30_000);
        assertThat(imp.write.bigValue).isEqualTo(8L << 20);
        ReplicateCommand rep = parse("replicate", "--source", "a", "--target", "b");
        assertThat(rep.live.mode).isEqualTo(ReplicateCommand.Mode.LIVE);
        assertThat(rep.live.spoolMemoryMb).isEqualTo(256);
        assertThat(rep.live.spoolDiskMb).isEqualTo(8192);
        assertThat(rep.write.toWriterOptions().mode()).isEqualTo(WriterOptions.Mode.AUTO);
        VerifyCommand ver = parse("verify", "--source", "a", "--target", "b");
        assertThat(ver.how.rounds).isEqualTo(3);
        assertThat(ver.how.roundDelay).isEqualTo(1000);
        assertThat(ver.how.ttlTolerance).isEqualTo(1000);
        assertThat(ver.how.batch).isEqualTo(500);
        assertThat(ver.how.sample).isNull();
    }

    @Test
    void enumOptionsTakeTheirWordsInAnyCase() {
        ImportCommand lower = parse("import", "x.rdb", "--target", "t", "--on-error", "fail", "--on-unsupported", "fail",
                "--write-mode", "commands");
        WriterOptions w = lower.write.toWriterOptions();
        assertThat(w.failOnError()).isTrue();
        assertThat(w.failOnUnsupported()).isTrue();
        assertThat(w.mode()).isEqualTo(WriterOptions.Mode.COMMANDS);
        ImportCommand upper = parse("import", "x.rdb", "--target", "t", "--on-error=FAIL", "--on-unsupported=Skip",
                "--write-mode=Commands");
        w = upper.write.toWriterOptions();
        assertThat(w.failOnError()).isTrue();
        assertThat(w.failOnUnsupported()).isFalse();
        assertThat(w.mode()).isEqualTo(WriterOptions.Mode.COMMANDS);
        ReplicateCommand rep = parse("replicate", "--source", "a", "--target", "b", "--mode", "SNAPSHOT");
        assertThat(rep.live.mode).isEqualTo(ReplicateCommand.Mode.SNAPSHOT);
        assertThat(((ReplicateCommand) parse("replicate", "--source", "a", "--target", "b", "--mode", "live")).live.mode)
                .isEqualTo(ReplicateCommand.Mode.LIVE);
    }

    @Test
    void replaceIsStillNegatableInItsSection() {
        assertThat(((ImportCommand) parse("import", "x.rdb", "--target", "t", "--no-replace")).write.toWriterOptions().replace()).isFalse();
        assertThat(((ImportCommand) parse("import", "x.rdb", "--target", "t", "--replace")).write.toWriterOptions().replace()).isTrue();
        ReplicateCommand rep = parse("replicate", "--source", "s", "--target", "t", "--no-replace", "--target-owned",
                "--db", "0,2", "--match", "a*", "--match", "b*");
        assertThat(rep.write.toWriterOptions().replace()).isFalse();
        assertThat(rep.write.targetOwned).isTrue();
        assertThat(rep.filters.dbs).containsExactly(0, 2);
        assertThat(rep.filters.match).containsExactly("a*", "b*");
    }

    /** Through a whole run: the words are accepted, and the run goes on to the next check. */
    @Test
    void aRunTakesTheWordsAndGoesOn() {
        Cli.Result r = Cli.run("import", "x.rdb", "--target", "redis://127.0.0.1:1", "--on-error", "FAIL",
                "--on-unsupported", "Skip", "--write-mode", "COMMANDS", "--pipeline", "0", "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().lines().toList()).containsExactly("ferry: --pipeline must be 1..8000");
    }

    @Test
    void aWordOutsideTheChoicesIsOneLineNamingOptionAndChoices() {
        List<String> mode = usageError(Cli.run("replicate", "--source", "a", "--target", "b", "--mode", "sometimes"));
        assertThat(mode).containsExactly("ferry: --mode must be snapshot or live, not 'sometimes'", "Try 'ferry replicate --help'.");
        assertThat(usageError(Cli.run("import", "x.rdb", "--target", "t", "--on-error", "maybe")))
                .containsExactly("ferry: --on-error must be skip or fail, not 'maybe'", "Try 'ferry import --help'.");
        assertThat(usageError(Cli.run("replicate", "--source", "a", "--target", "b", "--on-unsupported=warn")).get(0))
                .isEqualTo("ferry: --on-unsupported must be skip or fail, not 'warn'");
        assertThat(usageError(Cli.run("import", "x.rdb", "--target", "t", "--write-mode", "restore")).get(0))
                .isEqualTo("ferry: --write-mode must be auto or commands, not 'restore'");
    }

    @Test
    void aWordOutsideTheChoicesNeverShowsAPassword() {
        String line = usageError(Cli.run("replicate", "--source", "a", "--target", "b", "--mode", "live?password=hunter2")).get(0);
        assertThat(line).startsWith("ferry: --mode must be snapshot or live, not '").doesNotContain("hunter2");
    }

    @Test
    void requiredOptionsInAHelpSectionAreStillRequired() {
        assertThat(usageError(Cli.run("replicate"))).containsExactly(
                "ferry: Missing required options: '--source=URI', '--target=URI'", "Try 'ferry replicate --help'.");
        assertThat(usageError(Cli.run("replicate", "--source", "a")).get(0)).isEqualTo("ferry: Missing required option: '--target=URI'");
        assertThat(usageError(Cli.run("verify", "--target", "b")).get(0)).isEqualTo("ferry: Missing required option: '--source=URI'");
        assertThat(usageError(Cli.run("import", "x.rdb", "-q"))).containsExactly(
                "ferry: Missing required option: '--target=URI'", "Try 'ferry import --help'.");
        assertThat(usageError(Cli.run("import", "--target", "t")).get(0)).isEqualTo("ferry: Missing required parameter: 'FILE'");
        for (String[] help : List.of(new String[] {"replicate", "--help"}, new String[] {"verify", "--source", "a", "--help"},
                new String[] {"import", "x.rdb", "--help"}, new String[] {"help", "import"}, new String[] {"import", "--version"})) {
            Cli.Result r = Cli.run(help);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.err()).as(r.toString()).isEmpty();
        }
    }

    /** The shared options read and mean what they did in each command. */
    @Test
    void sharedOptionsParseTheSameInEveryCommand() {
        ImportCommand imp = parse("import", "x.rdb", "--target", "t", "--report", "r.jsonl", "-q");
        assertThat(imp.ends.target).isEqualTo("t");
        assertThat(imp.output.report).hasToString("r.jsonl");
        assertThat(imp.output.quiet).isTrue();
        ReplicateCommand rep = parse("replicate", "--source", "s", "--target", "t", "--quiet", "--report=r.jsonl");
        assertThat(rep.ends.source).isEqualTo("s");
        assertThat(rep.ends.target).isEqualTo("t");
        assertThat(rep.output.report).hasToString("r.jsonl");
        assertThat(rep.output.quiet).isTrue();
        VerifyCommand ver = parse("verify", "--source", "s", "--target", "t");
        assertThat(ver.ends.target).isEqualTo("t");
        assertThat(ver.output.report).isNull();
        assertThat(ver.output.quiet).isFalse();
    }

    private static String help(String command) {
        Cli.Result r = Cli.run(command, "--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.out();
    }

    /** The headings, in this order, and each option under the heading that names its concern. */
    private static void assertSections(String help, String... headingsAndOptions) {
        int at = 0;
        for (String s : headingsAndOptions) {
            int i = help.indexOf(s.endsWith(":") ? "\n" + s + "\n" : s, at);
            assertThat(i).as("'%s' after position %d in%n%s", s, at, help).isGreaterThanOrEqualTo(0);
            at = i;
        }
    }

    @Test
    void importHelpIsGroupedByConcern() {
        String h = help("import");
        assertSections(h, "FILE", "--help", "Source and target:", "--target=URI", "--check-first",
                "What to copy:", "--db=", "--db-map=", "--match=", "--exclude=", "--type=",
                "How to write:", "--connections=", "--on-error=ACTION", "--on-unsupported=ACTION", "--write-mode=MODE",
                "Reports and output:", "--report=FILE", "-q, --quiet");
        assertThat(h.replaceAll("\\s+", " ")).contains("Write every key not written exactly as the source holds it");
    }

    @Test
    void replicateHelpIsGroupedByConcern() {
        String h = help("replicate");
        assertSections(h, "--help", "Source and target:", "--source=URI", "--target=URI", "--scan", "--rate-limit=",
                "What to copy:", "--db=", "--type=",
                "How to write:", "--connections=", "--write-mode=MODE", "--target-owned",
                "Live mode and spool:", "--mode=MODE", "--run-for=", "--spool-dir=",
                "Reports and output:", "--report=FILE", "-q, --quiet", "--verify", "--verify-report=");
        assertThat(h.replaceAll("\\s+", " ")).contains("Write every key or command not applied exactly")
                .contains("One of: snapshot, live (default: live)").contains("One of: skip, fail (default: skip)")
                .contains("One of: auto, commands (default: auto)");
    }

    @Test
    void verifyHelpIsGroupedByConcern() {
        String h = help("verify");
        assertSections(h, "--help", "Source and target:", "--source=URI", "--target=URI", "Same URI kinds as --source.",
                "What to compare:", "--db=", "--type=",
                "How to compare:", "--rounds=", "--round-delay=", "--ttl-tolerance=", "--sample=", "--batch=",
                "Reports and output:", "--report=FILE", "Write each key still different", "-q, --quiet");
        assertThat(h).doesNotContain("What to copy").doesNotContain("How to write");
    }

    @Test
    void demoHelpHasOnlyTheStandardOptions() {
        String h = help("demo");
        assertThat(h).contains("--help").contains("--version").doesNotContain("Source and target");
    }
}
