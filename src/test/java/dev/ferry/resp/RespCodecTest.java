package dev.ferry.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RespCodecTest {

    private static RespReader reader(String wire, int bufferSize) {
        return new RespReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)), bufferSize);
    }

    /** Hands out one byte per read, so every boundary inside a reply is exercised. */
    private static RespReader trickle(String wire) {
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        InputStream in = new InputStream() {
            int i;
            @Override public int read() { return i < bytes.length ? bytes[i++] & 0xff : -1; }
            @Override public int read(byte[] b, int off, int len) {
                if (i >= bytes.length) return -1;
                b[off] = bytes[i++];
                return 1;
            }
        };
        return new RespReader(in, 16);
    }

    @Test
    void parsesEveryReplyKind() throws IOException {
        String wire = "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n$1\r\na\r\n:1\r\n*-1\r\n+PONG\r\n$0\r\n\r\n";
        for (RespReader r : new RespReader[] {reader(wire, 64 * 1024), reader(wire, 16), trickle(wire)}) {
            assertThat(r.read()).isSameAs(Reply.OK);
            Reply err = r.read();
            assertThat(err).isInstanceOf(Reply.Error.class);
            assertThat(((Reply.Error) err).code()).isEqualTo("ERR");
            assertThat(r.read()).isEqualTo(new Reply.Int(42));
            assertThat(r.read().asLong()).isEqualTo(-7);
            assertThat(((Reply.Bulk) r.read()).bytes()).isEqualTo("he\r\no".getBytes(StandardCharsets.US_ASCII));
            assertThat(((Reply.Bulk) r.read()).bytes()).isNull();
            Reply arr = r.read();
            assertThat(arr.asList()).hasSize(2);
            assertThat(arr.asList().get(0).asText()).isEqualTo("a");
            assertThat(((Reply.Array) r.read()).items()).isNull();
            assertThat(r.read().asText()).isEqualTo("PONG");
            assertThat(r.read().asText()).isEmpty();
        }
    }

    @Test
    void shortSimpleStringAtTheEndDoesNotBlock() throws IOException {
        RespReader r = reader("+A\r\n", 1024);
        assertThat(r.read().asText()).isEqualTo("A");
    }

    @Test
    void closedStreamAndGarbageAreErrors() {
        assertThatThrownBy(() -> reader("$5\r\nab", 1024).read()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> reader("?x\r\n", 1024).read()).isInstanceOf(RedisProtocolException.class);
        assertThatThrownBy(() -> reader(":12a\r\n", 1024).read()).isInstanceOf(RedisProtocolException.class);
    }

    @Test
    void encodesCommandsAsBulkArrays() throws IOException {
        RespOutput out = new RespOutput(4);
        out.command(4).arg("SET").arg(new byte[] {0, (byte) 0xff}).arg(-1234567890123L).arg(Long.MIN_VALUE);
        out.command(2).arg("PING".getBytes(StandardCharsets.US_ASCII), "!!".getBytes(StandardCharsets.US_ASCII)).arg(0);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        out.writeTo(bos);
        assertThat(bos.toString(StandardCharsets.ISO_8859_1)).isEqualTo(
                "*4\r\n$3\r\nSET\r\n$2\r\n\u0000\u00ff\r\n$14\r\n-1234567890123\r\n$20\r\n-9223372036854775808\r\n"
                        + "*2\r\n$6\r\nPING!!\r\n$1\r\n0\r\n");
        assertThat(out.size()).isZero();
    }
}
