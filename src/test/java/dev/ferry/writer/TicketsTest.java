package dev.ferry.writer;

import dev.ferry.testkit.Words;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.record.FileOffset;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import dev.ferry.util.WriteFailedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TicketsTest {
    private static final ShardId S = ShardId.of(0);

    /** Records what the listener heard. */
    private static final class Heard implements WriteListener {
        final List<String> lines = new ArrayList<>();

        @Override public void failed(int db, byte[] key, String reason) { lines.add("failed " + Words.text(key) + ": " + reason); }
        @Override public void skipped(int db, byte[] key, String reason) { lines.add("skipped " + Words.text(key) + ": " + reason); }
    }

    private final Heard heard = new Heard();
    private final RunState state = new RunState();

    private Tickets tickets(boolean failOnError, boolean failOnUnsupported) {
        WriterOptions o = WriterOptions.defaults();
        o = new WriterOptions(o.connections(), o.pipeline(), o.batch(), o.replace(), failOnError, failOnUnsupported,
                o.mode(), o.reconnectTimeoutMs());
        return new Tickets(heard, o, state, () -> { });
    }

    private static Position at(long offset) {
        return new FileOffset(offset);
    }

    private static Pending set(KeyTicket t) {
        return new Pending(Words.cmd("SET", Words.text(t.key), "v"), t, 0, 0);
    }

    /** A ticket for {@code key} with one command sent. */
    private static KeyTicket sent(Tickets tickets, String key, boolean command) {
        KeyTicket t = tickets.open(S, 0, Words.cmd(key)[0], -1, command);
        t.added(set(t));
        return t;
    }

    @Test
    void aKeyCountsOnceClosedAndAnsweredAndThePositionsMove() {
        Tickets tickets = tickets(false, false);
        KeyTicket k = sent(tickets, "k", false);
        tickets.answered(k, null, false);
        assertThat(state.keysWritten.sum()).as("not closed yet").isZero();
        tickets.close(k, at(10));
        KeyTicket c = sent(tickets, "c", true);
        tickets.close(c, at(20));
        tickets.answered(c, null, false);
        assertThat(state.keysWritten.sum()).isEqualTo(1);
        assertThat(state.commandsApplied.sum()).isEqualTo(1);
        assertThat(tickets.committed(S)).isEqualTo(at(20));
        assertThat(tickets.confirmed(S)).isEqualTo(at(20));
        assertThat(heard.lines).isEmpty();
    }

    @Test
    void aRefusedKeyIsReportedPassedByCommittedAndStopsConfirmed() {
        Tickets tickets = tickets(false, false);
        KeyTicket ok = sent(tickets, "a", false);
        tickets.close(ok, at(10));
        tickets.answered(ok, null, false);
        KeyTicket bad = sent(tickets, "b", false);
        tickets.close(bad, at(20));
        tickets.answered(bad, "WRONGTYPE Operation against a key holding the wrong kind of value", false);
        assertThat(heard.lines).containsExactly("failed b: WRONGTYPE Operation against a key holding the wrong kind of value");
        assertThat(state.keysFailed.sum()).isEqualTo(1);
        assertThat(tickets.committed(S)).isEqualTo(at(20));
        assertThat(tickets.confirmed(S)).isEqualTo(at(10));
        assertThat(state.fatal()).as("--on-error skip").isNull();
    }

    @Test
    void underOnErrorFailTheFirstRefusedKeyStopsTheRun() {
        Tickets tickets = tickets(true, false);
        KeyTicket bad = sent(tickets, "b", false);
        tickets.close(bad, at(20));
        tickets.answered(bad, "ERR no", false);
        KeyTicket worse = sent(tickets, "w", false);
        tickets.close(worse, at(30));
        tickets.answered(worse, "ERR also", false);
        assertThat(state.fatal()).startsWith("target refused key ").contains("b").endsWith("(db 0): ERR no");
    }

    @Test
    void anExistingKeyUnderNoReplaceAndAnUnsupportedOneAreSkipped() {
        Tickets tickets = tickets(false, false);
        KeyTicket exists = sent(tickets, "e", false);
        tickets.close(exists, at(10));
        tickets.answered(exists, null, true);
        KeyTicket odd = tickets.open(S, 0, Words.cmd("m")[0], -1, false);
        tickets.unsupported(odd, "module type the target lacks");
        tickets.close(odd, at(20));
        assertThat(heard.lines).containsExactly("skipped e: exists on the target (--no-replace)",
                "skipped m: module type the target lacks");
        assertThat(state.keysWritten.sum()).isZero();
        assertThat(tickets.confirmed(S)).as("a skip is not a failure").isEqualTo(at(20));
    }

    @Test
    void underOnUnsupportedFailAnUnsupportedKeyStopsTheRunAtOnce() {
        Tickets tickets = tickets(false, true);
        KeyTicket odd = tickets.open(S, 3, Words.cmd("m")[0], -1, false);
        assertThatThrownBy(() -> tickets.unsupported(odd, "module type the target lacks"))
                .isInstanceOf(WriteFailedException.class).hasMessageEndingWith("(db 3): module type the target lacks");
        assertThat(state.fatal()).endsWith("(db 3): module type the target lacks");
    }

    @Test
    void aPositionWithNothingWrittenCountsNoKey() {
        Tickets tickets = tickets(false, false);
        tickets.close(tickets.open(S, -1, null, -1, true), at(5));
        assertThat(tickets.committed(S)).isEqualTo(at(5));
        assertThat(state.commandsApplied.sum() + state.keysWritten.sum()).isZero();
    }

    @Test
    void anMsetsAnswerCountsEachPlainKeyOnceAndAccountsTheOthersAsBefore() {
        Tickets tickets = tickets(false, false);
        KeyTicket a = sent(tickets, "a", false);
        tickets.close(a, at(10));
        KeyTicket skipped = sent(tickets, "s", false);
        skipped.skip("not for this target");
        tickets.close(skipped, at(20));
        KeyTicket open = sent(tickets, "o", false); // answered, but not closed yet: not finished
        KeyTicket b = sent(tickets, "b", false);
        tickets.close(b, at(40));
        tickets.answeredAll(new Pending[] {set(a), set(skipped), set(open), set(b)});
        assertThat(state.keysWritten.sum()).as("a and b; the skipped one is reported, the open one waits").isEqualTo(2);
        assertThat(heard.lines).containsExactly("skipped s: not for this target");
        assertThat(tickets.committed(S)).as("stops before the open one").isEqualTo(at(20));
        tickets.close(open, at(30));
        assertThat(state.keysWritten.sum()).isEqualTo(3);
        assertThat(tickets.committed(S)).isEqualTo(at(40));
        assertThat(tickets.confirmed(S)).isEqualTo(at(40));
    }

    @Test
    void anMsetsAnswerAfterAFailedKeyLeavesConfirmedBeforeIt() {
        Tickets tickets = tickets(false, false);
        KeyTicket bad = sent(tickets, "bad", false);
        tickets.close(bad, at(10));
        tickets.answered(bad, "ERR refused", false);
        KeyTicket a = sent(tickets, "a", false);
        tickets.close(a, at(20));
        KeyTicket b = sent(tickets, "b", false);
        tickets.close(b, at(30));
        tickets.answeredAll(new Pending[] {set(a), set(b)});
        assertThat(state.keysWritten.sum()).isEqualTo(2);
        assertThat(tickets.committed(S)).isEqualTo(at(30));
        assertThat(tickets.confirmed(S)).as("never past a failed write").isNull();
    }
}
