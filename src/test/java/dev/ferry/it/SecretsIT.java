package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RedisUri;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.util.UsageException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A password never shows: every way a URI can be wrong, and every way a connection with credentials can fail,
 * through every command that takes a URI (cutover too), with nothing of the password in stdout or stderr (not even a piece of it,
 * as a password with an unencoded '?' or '/' gets cut by the parse).
 */
class SecretsIT {
    static final String PW = "Sekr3tPw";

    /** requirepass: a wrong password is refused with WRONGPASS. */
    @RegisterExtension
    static final RedisServerExtension guarded = new RedisServerExtension(b -> b.name("secrets-guarded").password("rightpw"));

    /** AUTH renamed away: the server's error quotes the arguments of the unknown command, the password among them. */
    @RegisterExtension
    static final RedisServerExtension noAuth = new RedisServerExtension(b -> b.name("secrets-noauth")
            .args("--rename-command", "AUTH", "\"\""));

    @TempDir
    static Path tmp;
    static Path rdb;
    static int closedPort;

    @BeforeAll
    static void setUp() throws IOException {
        rdb = tmp.resolve("empty.rdb");
        Files.write(rdb, new byte[0]);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
    }

    /** One URI per error path of {@link RedisUri#parse}, each carrying the password (or a password cut by the parse). */
    static Stream<String> badUris() {
        return Stream.of(
                "redis://:" + PW + "%@127.0.0.1:7105",                        // percent escape cut short
                "redis://:" + PW + "%zz@127.0.0.1:7105",                      // percent escape not hex
                "redis://:p@ss:w/rd%" + PW + "%@127.0.0.1:7105",              // the issue's example, '@' and '/' in it
                "redis://us%er:" + PW + "@127.0.0.1:7105",                    // bad escape in the user name
                "redis://" + PW + "%4@127.0.0.1:7105",                        // password alone, no colon
                ":" + PW + "@127.0.0.1:70000",                                // no scheme: redis:// assumed
                "http://:" + PW + "@127.0.0.1:7105",                          // unknown scheme
                "redis://:" + PW + "@",                                       // no host
                "redis://:" + PW + "@:7105",                                  // empty host
                "redis://:" + PW + "@127.0.0.1:abc",                          // port not a number
                "redis://:" + PW + "@127.0.0.1:70000",                        // port out of range
                "redis://:" + PW + "@[::1:7105",                              // unclosed '['
                "redis://:" + PW + "@127.0.0.1:1,127.0.0.1:2",                // several hosts
                "redis-sentinel://:" + PW + "@127.0.0.1:26379",               // no master name
                "redis-sentinel://:" + PW + "@127.0.0.1:26379/m%",            // bad escape in the master name
                "redis://:" + PW + "@127.0.0.1:7105/x",                       // db not a number
                "redis://:" + PW + "@127.0.0.1:7105/-1",                      // db negative
                "redis://:" + PW + "@127.0.0.1:7105/1/2",                     // unexpected path
                "redis://:" + PW + "@127.0.0.1:7105?timeout=x",               // option not a number
                "redis://:" + PW + "@127.0.0.1:7105?db=x",
                "redis://:" + PW + "@127.0.0.1:7105?colour=red",              // unknown option
                "redis://127.0.0.1:7105?password=" + PW + "&colour=red",      // password as an option
                "redis://127.0.0.1:7105?password=" + PW + "%zz",
                "redis-sentinel://127.0.0.1:26379/m?sentinel-password=" + PW + "%",
                "rediss://:" + PW + "@127.0.0.1:7105?cacert=%zz",             // bad escape in an option's value
                "redis-cluster://:" + PW + "@127.0.0.1:1,:2",                 // empty host among cluster seeds
                "redis://:Sekr?3tPw@127.0.0.1:7105",                          // unencoded '?': the query starts in it
                "redis://:Sekr3t?Pw=x@127.0.0.1:7105?colour=red",
                "redis://:Sek/r3tPw@127.0.0.1:7105/x");                       // unencoded '/' in it
    }

    @ParameterizedTest
    @MethodSource("badUris")
    void parseErrorsNeverShowThePassword(String uri) {
        assertThatThrownBy(() -> RedisUri.parse(uri)).isInstanceOf(UsageException.class)
                .satisfies(e -> assertNoSecret(e.getMessage(), uri));
    }

    @ParameterizedTest
    @MethodSource("badUris")
    void everyCommandRefusesABadUriWithoutShowingThePassword(String uri) {
        String good = "redis://127.0.0.1:" + closedPort;
        List<Cli.Result> runs = List.of(
                Cli.run("import", rdb.toString(), "--target", uri, "-q"),
                Cli.run("replicate", "--source", uri, "--target", good, "-q"),
                Cli.run("replicate", "--source", good, "--target", uri, "-q"),
                Cli.run("verify", "--source", uri, "--target", good, "-q"),
                Cli.run("verify", "--source", good, "--target", uri, "-q"),
                Cli.run("cutover", "--source", uri, "--target", good, "--exec", "true"),
                Cli.run("cutover", "--source", good, "--target", uri, "--exec", "true"));
        for (Cli.Result r : runs) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).startsWith("ferry: bad URI '");
            assertNoSecret(r.out() + r.err(), uri);
        }
    }

    /** Forgetting --target (or misspelling it) makes picocli quote the word: the URI in it is masked. */
    @Test
    void usageErrorsThatQuoteAUriMaskItsPassword() {
        String uri = "redis://:" + PW + "@127.0.0.1:" + closedPort;
        for (Cli.Result r : List.of(
                Cli.run("import", rdb.toString(), uri, "-q"),
                Cli.run("import", rdb.toString(), "--taget", uri, "-q"),
                Cli.run("import", rdb.toString(), "--targte=" + uri, "-q"),
                Cli.run("import", rdb.toString(), ":" + PW + "@127.0.0.1:1", "-q"),
                Cli.run("replicate", "--source", uri, "--target", uri, "--modee", "live?password=" + PW),
                Cli.run("verify", "--source", uri, uri))) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertNoSecret(r.out() + r.err(), uri);
        }
    }

    @Test
    void connectionFailuresNeverShowThePassword() {
        String closed = "127.0.0.1:" + closedPort;
        String wrong = "redis://:" + PW + "@" + guarded.get().hostAndPort();
        String wrongUser = "redis://someone:" + PW + "@" + guarded.get().hostAndPort();
        String renamed = "redis://:" + PW + "@" + noAuth.get().hostAndPort();
        // Redis quotes at most 128 characters of the arguments: a long password is cut, and the cut piece still shows
        String longRenamed = "redis://user:" + PW + "x".repeat(200) + "@" + noAuth.get().hostAndPort();
        String good = "redis://:rightpw@" + guarded.get().hostAndPort();
        List<String> failing = List.of(
                "redis://:" + PW + "@" + closed,
                "rediss://:" + PW + "@" + closed,
                "redis-cluster://:" + PW + "@" + closed + ",127.0.0.1:" + closedPort,
                "redis-sentinel://:" + PW + "@" + closed + "/mymaster?sentinel-password=" + PW,
                "dragonfly://:" + PW + "@" + closed,
                "redis://:" + PW + "@no-such-host.invalid:6379",
                wrong, wrongUser, renamed, longRenamed);
        List<Cli.Result> runs = new ArrayList<>();
        for (String uri : failing) {
            runs.add(Cli.run("import", rdb.toString(), "--target", uri, "-q"));
            runs.add(Cli.run("replicate", "--source", uri, "--target", good, "--mode", "snapshot", "-q"));
            runs.add(Cli.run("replicate", "--source", good, "--target", uri, "--mode", "snapshot", "-q"));
            runs.add(Cli.run("verify", "--source", uri, "--target", good, "-q"));
            runs.add(Cli.run("verify", "--source", good, "--target", uri, "-q"));
            runs.add(Cli.run("cutover", "--source", uri, "--target", good, "--exec", "true"));
            runs.add(Cli.run("cutover", "--source", good, "--target", uri, "--exec", "true"));
        }
        for (Cli.Result r : runs) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).as(r.toString()).startsWith("ferry: error: ");
            assertNoSecret(r.out() + r.err(), PW);
        }
        // the refusals say what happened, without the password
        Cli.Result renamedRun = Cli.run("import", rdb.toString(), "--target", renamed, "-q");
        assertThat(renamedRun.err()).as(renamedRun.toString()).contains("unknown command 'AUTH'").contains("***");
        Cli.Result wrongRun = Cli.run("import", rdb.toString(), "--target", wrong, "-q");
        assertThat(wrongRun.err()).as(wrongRun.toString()).contains("WRONGPASS");
    }

    /**
     * The status endpoint of a run whose source and target both need the password, with a token holding it too:
     * nothing it answers (JSON, metrics, history, pages, refusals, headers) shows either.
     */
    @Test
    void theStatusEndpointNeverShowsThePasswordOrTheToken() throws Exception {
        try (dev.ferry.testkit.RedisServer source = dev.ferry.testkit.RedisServer.builder().name("secrets-status-src").password(PW).start();
             dev.ferry.testkit.RedisServer target = dev.ferry.testkit.RedisServer.builder().name("secrets-status-dst").password(PW).start()) {
            source.cli("SET", "k", "v");
            Path tokenFile = tmp.resolve("status-token");
            String token = "tok-" + PW;
            Files.writeString(tokenFile, token);
            int port = dev.ferry.testkit.RedisTools.freePort();
            java.util.concurrent.CompletableFuture<Cli.Result> run = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    Cli.run("replicate", "--source", "redis://:" + PW + "@" + source.hostAndPort(), "--target",
                            "redis://:" + PW + "@" + target.hostAndPort(), "-q", "--status-port", Integer.toString(port),
                            "--status-token-file", tokenFile.toString()));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port;
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                assertThat(run).as("the replicate ended early").isNotDone();
                try {
                    java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base
                            + "/status")).header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (r.body().contains("\"phase\":\"live\"")) break;
                } catch (IOException notYet) {
                    // not serving yet
                }
                assertThat(System.nanoTime()).as("the run never went live").isLessThan(deadline);
                Thread.sleep(100);
            }
            Thread.sleep(2_100); // a history sample with the shard in it
            for (String path : List.of("/status", "/metrics", "/history", "/", "/dashboard.js", "/dashboard.css", "/nope")) {
                for (String auth : java.util.Arrays.asList("Bearer " + token, null, "Bearer wrong")) {
                    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path));
                    if (auth != null) b.header("Authorization", auth);
                    java.net.http.HttpResponse<String> r = http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    seen.append(path).append(' ').append(r.statusCode()).append(' ').append(r.headers().map()).append('\n')
                            .append(r.body()).append('\n');
                }
            }
            java.net.http.HttpResponse<String> cookie = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base
                    + "/?token=" + token)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(cookie.statusCode()).isEqualTo(303);
            seen.append(cookie.headers().map());
            assertThat(seen.toString()).contains("ferry_shard_lag_seconds").contains(source.hostAndPort());
            dev.ferry.cli.Cli.interrupt();
            Cli.Result r = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertNoSecret(seen + r.out() + r.err(), "the status endpoint");
        }
    }

    /** Neither the password nor any 4-character piece of it (a parse may cut it at a '?' or '/'). */
    static void assertNoSecret(String output, String context) {
        String secret = "Sekr3tPw";
        for (int i = 0; i + 4 <= secret.length(); i++) {
            assertThat(output).as("a piece of the password ('%s') in the output for %s:%n%s", secret.substring(i, i + 4),
                    context, output).doesNotContain(secret.substring(i, i + 4));
        }
    }
}
