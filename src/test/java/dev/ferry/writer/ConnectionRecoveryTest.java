package dev.ferry.writer;

import dev.ferry.testkit.Words;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.record.ShardId;
import org.junit.jupiter.api.Test;

class ConnectionRecoveryTest {
    private static KeyTicket ticket() {
        return new KeyTicket(ShardId.of(0), 0, 0, Words.cmd("k")[0], -1, false);
    }

    /** Sends {@code words} on {@code t} (as the writer files it) and returns the pending command. */
    private static Pending sent(KeyTicket t, String... words) {
        Pending p = new Pending(Words.cmd(words), t, 0, 0);
        t.added(p);
        return p;
    }

    @Test
    void aCommandThatDoesNoHarmTwiceIsSentAgain() {
        KeyTicket t = ticket();
        sent(t, "RPUSH", "k", "a");
        t.answered(null, false);
        assertThat(ConnectionRecovery.mayReplay(sent(t, "HSET", "k", "f", "v"))).isTrue();
        assertThat(ConnectionRecovery.mayReplay(sent(t, "PEXPIREAT", "k", "1700000000000"))).isTrue();
    }

    @Test
    void anAppendAfterPartOfTheKeyWasConfirmedIsNot() {
        KeyTicket t = ticket();
        sent(t, "DEL", "k");
        Pending first = sent(t, "RPUSH", "k", "a");
        assertThat(ConnectionRecovery.mayReplay(first)).as("nothing answered, starts with DEL: all of it again").isTrue();
        t.answered(null, false);
        assertThat(ConnectionRecovery.mayReplay(sent(t, "RPUSH", "k", "b"))).as("DEL answered: b would be doubled").isFalse();
    }

    @Test
    void aKeyThatDidNotStartWithAResetCannotBeRepeatedFromItsStart() {
        KeyTicket t = ticket();
        Pending p = sent(t, "RPUSH", "k", "a");
        assertThat(ConnectionRecovery.mayReplay(p)).isFalse();
    }

    @Test
    void aFailedKeyIsNotSentAgain() {
        KeyTicket t = ticket();
        Pending set = sent(t, "SET", "k", "v");
        sent(t, "PEXPIREAT", "k", "1");
        t.answered("WRONGTYPE", false);
        assertThat(ConnectionRecovery.mayReplay(set)).isFalse();
    }

    @Test
    void theMessageForAKeyThatMayBeIncompleteIsUnchanged() {
        assertThat(ConnectionRecovery.LOST_MID_KEY)
                .isEqualTo("the connection was lost while this key was being written; it may be incomplete on the target");
    }
}
