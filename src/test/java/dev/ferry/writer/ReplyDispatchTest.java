package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.Reply;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyDispatchTest {
    @Test
    void anExecArrayFailsOnlyOnItsFirstCommandError() {
        assertThat(ReplyDispatch.execError(new Reply.Array(List.of(Reply.OK, new Reply.Int(3))))).isNull();
        assertThat(ReplyDispatch.execError(new Reply.Array(List.of(Reply.OK,
                new Reply.Error("WRONGTYPE Operation against a key holding the wrong kind of value"),
                new Reply.Error("ERR second")))))
                .isEqualTo("in MULTI/EXEC: WRONGTYPE Operation against a key holding the wrong kind of value");
    }

    @Test
    void anExecAnsweredWithAnythingButAnArrayIsAFailure() {
        assertThat(ReplyDispatch.execError(Reply.OK)).isEqualTo("EXEC answered OK");
        assertThat(ReplyDispatch.execError(new Reply.Array(null))).as("a WATCHed key changed: nothing to check").isNull();
        assertThat(ReplyDispatch.execError(new Reply.Array(Arrays.asList(Reply.NULL_BULK)))).isNull();
    }

    @Test
    void errorsAreCountedUnderTheirCodeOrErr() {
        assertThat(ReplyDispatch.errorKind(new Reply.Error("MOVED 3999 127.0.0.1:7001").code())).isEqualTo("MOVED");
        assertThat(ReplyDispatch.errorKind(new Reply.Error("WRONGTYPE Operation against a key").code())).isEqualTo("WRONGTYPE");
        assertThat(ReplyDispatch.errorKind(new Reply.Error("BUSY_SCRIPT x").code())).isEqualTo("BUSY_SCRIPT");
        // a message with no code: its first word could be anything, and a metric label must stay one of a few
        assertThat(ReplyDispatch.errorKind(new Reply.Error("value is not an integer").code())).isEqualTo("ERR");
        assertThat(ReplyDispatch.errorKind(new Reply.Error("Protocol-error x").code())).isEqualTo("ERR");
        assertThat(ReplyDispatch.errorKind("")).isEqualTo("ERR");
        assertThat(ReplyDispatch.errorKind("ABCDEFGHIJKLMNOPQRSTUVWXYZ")).isEqualTo("ERR");
    }
}
