package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the command line says about itself and about words it does not know. */
class CliUsageTest {

    /** The lines of stderr, which for a usage error are one "ferry: ..." line and the help hint. */
    private static List<String> usageError(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).as(r.toString()).isEmpty();
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(2);
        assertThat(lines.get(0)).as(r.toString()).startsWith("ferry: ");
        return lines;
    }

    @Test
    void theHelpHintNamesTheCommandOnce() {
        assertThat(usageError(Cli.run("--bogus")).get(1)).isEqualTo("Try 'ferry --help'.");
        assertThat(usageError(Cli.run("import", "x.rdb", "--target", "redis://127.0.0.1:1", "--bogus")).get(1))
                .isEqualTo("Try 'ferry import --help'.");
        assertThat(usageError(Cli.run("verify", "--source", "a")).get(1)).isEqualTo("Try 'ferry verify --help'.");
    }

    @Test
    void aMisspeltCommandGetsASuggestion() {
        assertThat(usageError(Cli.run("imprt", "x.rdb")).get(0)).isEqualTo("ferry: Unknown command: 'imprt' (did you mean import?)");
        assertThat(usageError(Cli.run("verfy")).get(0)).contains("'verfy'").contains("did you mean verify?");
    }

    /** picocli prints the top command's help for "ferry replicat --help" as if the line were right. */
    @Test
    void aMisspeltCommandWithHelpIsStillAnError() {
        assertThat(usageError(Cli.run("replicat", "--help")).get(0)).contains("'replicat'").contains("did you mean replicate?");
    }

    @Test
    void aMisspeltOptionGetsASuggestion() {
        assertThat(usageError(Cli.run("verify", "--source", "a", "--target", "b", "--sampel", "3")).get(0))
                .contains("'--sampel'").contains("did you mean --sample?");
        assertThat(usageError(Cli.run("replicate", "--source", "a", "--target", "b", "--mod", "live")).get(0))
                .contains("'--mod'").contains("did you mean --mode?");
    }

    /** A misspelt required option is reported as what it is, not as the required one missing. */
    @Test
    void aMisspeltRequiredOptionIsReportedAsUnknownFirst() {
        List<String> lines = usageError(Cli.run("import", "x.rdb", "--taget", "redis://127.0.0.1:1"));
        assertThat(lines.get(0)).contains("'--taget'").contains("did you mean --target?").doesNotContain("Missing required");
        assertThat(lines.get(1)).isEqualTo("Try 'ferry import --help'.");
        assertThat(usageError(Cli.run("replicate", "--sorce", "redis://127.0.0.1:1", "--target", "redis://127.0.0.1:2")).get(0))
                .contains("'--sorce'").contains("did you mean --source?");
    }

    @Test
    void versionSaysTheVersionAndTheCommit() throws Exception {
        Cli.Result r = Cli.run("--version");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String line = r.out().strip();
        assertThat(line).as(r.toString()).doesNotContain("dev").matches("ferry \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?( \\(commit [0-9a-f]{12}(-modified)?\\))?");
        String head = gitHead();
        if (head != null) assertThat(line).contains("(commit " + head.substring(0, 12));
    }

    /** The commit this tree is at, or null without git (then the version alone is right). */
    private static String gitHead() throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
        return out;
    }

    private static String help(String command) {
        Cli.Result r = Cli.run(command, "--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.out().replaceAll("\\s+", " ");
    }

    @Test
    void helpTextsFitTheirCommand() {
        String verify = help("verify");
        assertThat(verify).doesNotContainIgnoringCase("copy only").contains("Only these source dbs").contains("Only keys matching");
        String replicate = help("replicate");
        String source = replicate.substring(replicate.lastIndexOf("--source=URI"));
        // the help lists --target right after --source, in the "Source and target" section
        assertThat(source.substring(0, source.indexOf(" --target=URI"))).contains("dragonfly://");
        String imp = help("import");
        assertThat(imp).contains("(default: 1000, at most 8000)").doesNotContain("10k");
    }

    @Test
    void pipelineLimitIsStatedAsItIs() {
        List<String> lines = Cli.run("import", "x.rdb", "--target", "redis://127.0.0.1:1", "--pipeline", "10000", "-q")
                .err().lines().toList();
        assertThat(lines).containsExactly("ferry: --pipeline must be 1..8000");
    }

    /** A run builds only the subcommand it names (start-up); the help and the suggestions still see every one. */
    @Test
    void aRunBuildsTheCommandItNamesAndHelpSeesThemAll() {
        java.util.Set<String> all = Main.commandLine().getSubcommands().keySet();
        assertThat(all).contains("import", "replicate", "verify", "forget", "cutover", "status", "demo", "help");
        assertThat(Main.commandLine("import", "x.rdb").getSubcommands().keySet()).containsExactly("import");
        assertThat(Main.commandLine("help", "import").getSubcommands().keySet()).isEqualTo(all);
        assertThat(Main.commandLine("--help").getSubcommands().keySet()).isEqualTo(all);
        assertThat(Main.commandLine("imprt").getSubcommands().keySet()).isEqualTo(all);
        Cli.Result help = Cli.run("help", "verify");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: ferry verify");
    }
}
