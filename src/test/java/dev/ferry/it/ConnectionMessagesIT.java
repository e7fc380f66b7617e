package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Ferry says when the server at a URI is not what it should be: not Redis at all (an HTTP server, a TLS port),
 * a host name that resolves to nothing, a server that wants a password the URI lacks. Each is one line naming the
 * address and what to do.
 */
class ConnectionMessagesIT {
    @RegisterExtension
    static final RedisServerExtension guarded = new RedisServerExtension(b -> b.name("messages-guarded").password("rightpw"));

    /** A good target of its own: the source given as target too would be refused as the same server first. */
    @RegisterExtension
    static final RedisServerExtension goodTarget = new RedisServerExtension(b -> b.name("messages-target"));

    /** A real TLS-only redis-server: it drops a plain connection without a word. */
    @RegisterExtension
    static final RedisServerExtension tlsOnly = new RedisServerExtension(b -> b.name("messages-tls").tls());

    @TempDir
    static Path tmp;
    static Path rdb;

    @BeforeAll
    static void emptyFile() throws IOException {
        rdb = tmp.resolve("empty.rdb");
        Files.write(rdb, new byte[0]);
    }

    /**
     * A server on 127.0.0.1 that answers every connection with {@code answer}: at once, or after the first bytes of
     * the request ({@code afterRequest}), as an HTTP server does.
     */
    static final class FakeServer implements AutoCloseable {
        final ServerSocket socket;
        final Thread thread;

        FakeServer(byte[] answer, boolean afterRequest) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        InputStream in = s.getInputStream();
                        if (afterRequest && in.read(new byte[4096]) < 0) continue;
                        OutputStream out = s.getOutputStream();
                        out.write(answer);
                        out.flush();
                        s.shutdownOutput();
                        in.read(new byte[4096]); // until the client closes
                    } catch (IOException e) {
                        // the next connection, or the end
                    }
                }
            }, "fake-server");
            thread.setDaemon(true);
            thread.start();
        }

        String address() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static String oneLine(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.toString()).hasSize(1);
        assertThat(lines.get(0)).as(r.toString()).startsWith("ferry: error: ").doesNotContain("Exception");
        return lines.get(0);
    }

    /** import (the target), replicate and verify (the source), each given {@code uri}. */
    static List<Cli.Result> everyCommand(String uri) {
        String other = "redis://" + goodTarget.get().hostAndPort();
        return List.of(
                Cli.run("import", rdb.toString(), "--target", uri, "-q"),
                Cli.run("replicate", "--source", uri, "--target", other, "--mode", "snapshot", "-q"),
                Cli.run("verify", "--source", uri, "--target", other, "-q"));
    }

    @Test
    void anHttpServerIsNamedAsNotSpeakingResp() throws Exception {
        byte[] http = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>bad</html>".getBytes(StandardCharsets.US_ASCII);
        try (FakeServer web = new FakeServer(http, true)) {
            for (String uri : List.of("redis://" + web.address(), "redis://:pw@" + web.address())) {
                for (Cli.Result r : everyCommand(uri)) {
                    assertThat(oneLine(r)).as(r.toString())
                            .isEqualTo("ferry: error: " + web.address() + " does not speak RESP (the Redis protocol): "
                                    + "it answered 'HTTP/1.1 400 Bad' - an HTTP server?");
                }
            }
        }
    }

    /** The issue's case: a page that starts with '<' (byte 0x3c). */
    @Test
    void aServerSendingHtmlIsNamedAsNotSpeakingResp() throws Exception {
        try (FakeServer web = new FakeServer("<!DOCTYPE html>\n<html></html>".getBytes(StandardCharsets.US_ASCII), false)) {
            Cli.Result r = Cli.run("import", rdb.toString(), "--target", "redis://" + web.address(), "-q");
            assertThat(oneLine(r)).isEqualTo("ferry: error: " + web.address()
                    + " does not speak RESP (the Redis protocol): it answered '<!DOCTYPE html>\\n' - an HTTP server?");
        }
    }

    /** A TLS server answers plain bytes with a TLS alert record (0x15 0x03 ...). */
    @Test
    void aTlsPortSaysToUseRediss() throws Exception {
        byte[] alert = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32};
        try (FakeServer tls = new FakeServer(alert, true)) {
            for (Cli.Result r : everyCommand("redis://" + tls.address())) {
                assertThat(oneLine(r)).as(r.toString()).startsWith("ferry: error: " + tls.address() + " does not speak RESP")
                        .endsWith("a TLS server: use rediss:// (or ?tls=true)");
            }
        }
    }

    @Test
    void aRealTlsPortDroppingAPlainConnectionSuggestsRediss() {
        for (Cli.Result r : everyCommand("redis://" + tlsOnly.get().hostAndPort())) {
            assertThat(oneLine(r)).as(r.toString()).startsWith("ferry: error: ").contains(tlsOnly.get().hostAndPort())
                    .endsWith("before any answer (if it is a TLS port, use rediss:// or ?tls=true)");
        }
    }

    @Test
    void anUnknownHostIsSaidToBeOne() {
        for (Cli.Result r : everyCommand("redis://no-such-host.invalid:6379")) {
            assertThat(oneLine(r)).as(r.toString()).isEqualTo(
                    "ferry: error: cannot connect to no-such-host.invalid:6379: unknown host (no address found for 'no-such-host.invalid')");
        }
    }

    @Test
    void aMissingPasswordSaysWhereToPutIt() {
        for (Cli.Result r : everyCommand("redis://" + guarded.get().hostAndPort())) {
            assertThat(oneLine(r)).as(r.toString()).contains(guarded.get().hostAndPort())
                    .contains("NOAUTH Authentication required. (the URI needs the password: redis://user:password@host:port, "
                            + "or redis://:password@host:port for the default user)");
        }
    }
}
