package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.rdb.RdbFormatException;
import dev.ferry.resp.RedisAuthException;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisErrorException;
import dev.ferry.resp.RedisPermissionException;
import dev.ferry.util.UsageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** Errors.report: one line and an exit code per kind of failure, chosen by its type, never by its text. */
class ErrorsTest {
    private record Reported(int code, String err) {
    }

    private static Reported report(Exception e) {
        StringWriter err = new StringWriter();
        int code = Errors.report(e, new PrintWriter(err, true));
        return new Reported(code, err.toString());
    }

    @Test
    void badInputIsAUsageError() {
        Reported r = report(new UsageException("--pipeline must be 1..8000"));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).isEqualTo("ferry: --pipeline must be 1..8000" + System.lineSeparator());
    }

    /** An IllegalArgumentException from deep inside is a bug, not bad input: exit 1, said to be unexpected. */
    @Test
    void aDeepIllegalArgumentIsAFailureNotAUsageError() {
        Reported r = report(new IllegalArgumentException("batchSize must be positive"));
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err().strip()).isEqualTo("ferry: error: unexpected IllegalArgumentException: batchSize must be positive");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void refusedCredentialsAreAFailureWithTheirMessage() {
        Reported r = report(new RedisAuthException("authentication to 127.0.0.1:6379 refused: WRONGPASS invalid username-password pair"));
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err().strip()).isEqualTo("ferry: error: authentication to 127.0.0.1:6379 refused: WRONGPASS invalid username-password pair");
    }

    @Test
    void typedConnectionErrorsAreConnectionErrors() {
        assertThat(new RedisAuthException("x")).isInstanceOf(RedisConnectionException.class);
        assertThat(new RedisPermissionException("x")).isInstanceOf(RedisConnectionException.class);
        Reported r = report(new RedisPermissionException("INFO server on 127.0.0.1:6379 failed: NOPERM this user has no permissions"));
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err().strip()).isEqualTo("ferry: error: INFO server on 127.0.0.1:6379 failed: NOPERM this user has no permissions");
    }

    @Test
    void expectedFailuresAreOneLineWithTheirMessage() {
        for (Exception e : new Exception[] {RdbFormatException.of("dump.rdb: corrupt RDB at offset 9"),
                new RedisConnectionException("cannot connect to 127.0.0.1:1: Connection refused"),
                new RedisErrorException("127.0.0.1:6379: SAVE failed: ERR"), new dev.ferry.util.WriteFailedException("target refused key"),
                new IOException("disk full"),
                new UncheckedIOException(new IOException("cannot write the key report: disk full"))}) {
            Reported r = report(e);
            assertThat(r.code()).as(e.toString()).isEqualTo(ExitCode.FAILED);
            assertThat(r.err().lines()).as(e.toString()).hasSize(1);
            assertThat(r.err()).as(e.toString()).startsWith("ferry: error: ").doesNotContain("unexpected").doesNotContain("Exception");
        }
    }

    @Test
    void anUnexpectedFailureIsNamedInOneLine() {
        Reported r = report(new IllegalStateException("multi\nline"));
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err().strip()).isEqualTo("ferry: error: unexpected IllegalStateException: multi line");
    }
}
