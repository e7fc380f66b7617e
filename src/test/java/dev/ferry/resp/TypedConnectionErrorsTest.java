package dev.ferry.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.Topology;
import dev.ferry.util.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Refused credentials and missing ACL permissions are typed, so callers tell them from a lost connection without
 * reading the message (whose text stays what it was). A one-connection fake server answers each command.
 */
class TypedConnectionErrorsTest {

    /** Answers every command read on the first connection with {@code answer.apply(command name)}. */
    private static ServerSocket fakeServer(Function<String, String> answer) throws IOException {
        ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = ss.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                RespReader reader = new RespReader(in);
                while (true) {
                    Reply cmd = reader.read();
                    String name = cmd.asList().get(0).asText();
                    out.write(answer.apply(name).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (Exception e) {
                // the client closed: done
            }
        }, "fake-redis");
        t.setDaemon(true);
        t.start();
        return ss;
    }

    private static RedisUri.HostPort at(ServerSocket ss) {
        return new RedisUri.HostPort("127.0.0.1", ss.getLocalPort());
    }

    @Test
    void refusedCredentialsAreARedisAuthException() throws IOException {
        try (ServerSocket ss = fakeServer(cmd -> "-WRONGPASS invalid username-password pair or user is disabled.\r\n")) {
            ConnectOptions co = new ConnectOptions("app", "s3cret", false, false, null, 5000, 5000);
            assertThatThrownBy(() -> RespConnection.open(at(ss), co))
                    .isInstanceOf(RedisAuthException.class)
                    .hasMessage("authentication to " + at(ss) + " refused: WRONGPASS invalid username-password pair or user is disabled.");
        }
    }

    @Test
    void noPermissionToProbeIsARedisPermissionException() throws IOException {
        try (ServerSocket ss = fakeServer(cmd -> "-NOPERM User app has no permissions to run the 'info' command\r\n");
             RespConnection c = RespConnection.open(at(ss), ConnectOptions.plain())) {
            assertThatThrownBy(() -> Topology.probe(c))
                    .isInstanceOf(RedisPermissionException.class)
                    .hasMessage("INFO server on " + at(ss) + " failed: NOPERM User app has no permissions to run the 'info' command");
        }
    }

    @Test
    void otherProbeErrorsStayPlainConnectionErrors() throws IOException {
        try (ServerSocket ss = fakeServer(cmd -> "-LOADING Redis is loading the dataset in memory\r\n");
             RespConnection c = RespConnection.open(at(ss), ConnectOptions.plain())) {
            assertThatThrownBy(() -> Topology.probe(c))
                    .isExactlyInstanceOf(RedisConnectionException.class)
                    .hasMessageStartingWith("INFO server on " + at(ss) + " failed: LOADING");
        }
    }

    @Test
    void aBadUriIsBadInput() {
        assertThatThrownBy(() -> RedisUri.parse("redis://x:abc")).isInstanceOf(UsageException.class)
                .isNotInstanceOf(IllegalArgumentException.class);
        assertThat(new UsageException("x")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void errorRepliesSayWhetherAccessIsRefused() {
        assertThat(new Reply.Error("NOPERM User app has no permissions to run the 'psync' command").isPermissionDenied()).isTrue();
        assertThat(new Reply.Error("NOPERM this user has no permissions").refusesAccess()).isTrue();
        assertThat(new Reply.Error("WRONGPASS invalid username-password pair").refusesAccess()).isTrue();
        assertThat(new Reply.Error("NOAUTH Authentication required.").refusesAccess()).isTrue();
        assertThat(new Reply.Error("NOAUTH Authentication required.").isPermissionDenied()).isFalse();
        assertThat(new Reply.Error("ERR unknown command 'REPLCONF'").refusesAccess()).isFalse();
        assertThat(new Reply.Error("LOADING Redis is loading").refusesAccess()).isFalse();
    }
}
