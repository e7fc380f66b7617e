package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RedisUri;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection sends a run of a snapshot's plain SETs as one MSET, against a real redis-server: every SET is answered
 * once, by the MSET's reply; what is not groupable (another db, a DEL, a SET with a TTL) closes the group first, so
 * each key's commands keep their order; a lost connection hands back each grouped SET, none lost or doubled.
 */
class SetGroupingIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Pending set(int db, String key, String value, boolean groupable) {
        return new Pending(new byte[][] {b("SET"), b(key), b(value)}, null, db, groupable ? Pending.GROUPABLE : 0);
    }

    /** Records each answered command with its reply; counts down once per answer. */
    private static final class Answers implements PipelinedConnection.ReplyHandler {
        final List<Pending> answered = Collections.synchronizedList(new ArrayList<>());
        final List<Reply> replies = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch expected;

        Answers(int n) {
            expected = new CountDownLatch(n);
        }

        @Override
        public void onReply(PipelinedConnection from, Pending command, Reply reply) {
            if (new String(command.args[0], StandardCharsets.US_ASCII).equals("SELECT")) return; // the connection's own
            answered.add(command);
            replies.add(reply);
            expected.countDown();
        }

        @Override
        public void onBroken(PipelinedConnection from, String why) {
        }

        final List<Pending> refused = Collections.synchronizedList(new ArrayList<>());
        final List<String> refusals = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onGroupRefused(PipelinedConnection from, Pending[] members, Reply.Error error) {
            Collections.addAll(refused, members);
            refusals.add(error.code());
            for (int i = 0; i < members.length; i++) {
                from.release();
                expected.countDown();
            }
        }
    }

    private static PipelinedConnection open(Answers answers) {
        return open(answers, dev.ferry.resp.ConnectOptions.plain());
    }

    private static PipelinedConnection open(Answers answers, dev.ferry.resp.ConnectOptions as) {
        RedisUri.HostPort at = new RedisUri.HostPort("127.0.0.1", target.get().port());
        return new PipelinedConnection(RespConnection.open(at, as), 10_000, answers, "grouping-test", new LongAdder());
    }

    @Test
    void anMsetRefusedForOneOfItsKeysHandsEachSetBackToGoAlone() throws Exception {
        try (RespConnection admin = Datasets.connect(target.get())) {
            admin.callOk("ACL", "SETUSER", "grouping", "on", ">pw", "~allowed:*", "+@all");
            Answers answers = new Answers(20);
            List<Pending> sent = new ArrayList<>();
            try (PipelinedConnection c = open(answers, new dev.ferry.resp.ConnectOptions("grouping", "pw", false, false, null, 10_000, 10_000))) {
                for (int i = 0; i < 20; i++) {
                    Pending p = set(0, (i == 7 ? "denied:" : "allowed:") + i, "v", true);
                    sent.add(p);
                    c.send(p);
                }
                c.flush();
                assertThat(answers.expected.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(answers.refused).as("all twenty, each to be sent again alone").containsExactlyElementsOf(sent);
                assertThat(answers.refusals).containsExactly("NOPERM");
                assertThat(sent).allMatch(p -> p.alone);
                // sent again, alone: the allowed keys are written, the denied one is refused by itself
                Answers again = new Answers(20);
                try (PipelinedConnection c2 = open(again, new dev.ferry.resp.ConnectOptions("grouping", "pw", false, false, null, 10_000, 10_000))) {
                    for (Pending p : sent) c2.send(p);
                    c2.flush();
                    assertThat(again.expected.await(10, TimeUnit.SECONDS)).isTrue();
                }
                assertThat(again.refused).isEmpty();
                for (int i = 0; i < 20; i++) {
                    assertThat(again.replies.get(i).isError()).as("key %d", i).isEqualTo(i == 7);
                }
            } finally {
                admin.callOk("ACL", "DELUSER", "grouping");
            }
            assertThat(admin.call("DBSIZE").asLong()).isEqualTo(19);
        }
    }

    @Test
    void eachGroupedSetIsAnsweredOnceAndOrderHoldsAroundWhatIsNotGrouped() throws Exception {
        List<Pending> sent = new ArrayList<>();
        for (int i = 0; i < 150; i++) sent.add(set(0, "k" + i, "v" + i, true));
        sent.add(new Pending(new byte[][] {b("DEL"), b("k7")}, null, 0, 0));          // after k7's grouped SET
        sent.add(set(0, "k8", "after", true));                                         // after the first k8
        sent.add(set(2, "other", "db2", true));                                        // another db closes the group
        sent.add(new Pending(new byte[][] {b("SET"), b("k9"), b("ttl"), b("PXAT"), b("4102444800000")}, null, 2, 0));
        sent.add(set(0, "k10", "last", true));
        Answers answers = new Answers(sent.size());
        try (PipelinedConnection c = open(answers)) {
            for (Pending p : sent) c.send(p);
            c.flush();
            assertThat(answers.expected.await(10, TimeUnit.SECONDS)).as("every command answered").isTrue();
        }
        assertThat(answers.answered).as("each once, in the order sent").containsExactlyElementsOf(sent);
        assertThat(answers.replies).allMatch(r -> !r.isError());
        try (RespConnection c = Datasets.connect(target.get())) {
            assertThat(c.call("EXISTS", "k7").asLong()).isZero();
            assertThat(c.call("GET", "k8").asText()).isEqualTo("after");
            assertThat(c.call("GET", "k149").asText()).isEqualTo("v149");
            assertThat(c.call("GET", "k10").asText()).isEqualTo("last");
            assertThat(c.call("DBSIZE").asLong()).isEqualTo(149);
            c.callOk("SELECT", "2");
            assertThat(c.call("GET", "other").asText()).isEqualTo("db2");
            assertThat(c.call("GET", "k9").asText()).isEqualTo("ttl");
            assertThat(c.call("PEXPIRETIME", "k9").asLong()).isEqualTo(4102444800000L);
            // the MSETs were real: Redis counted far fewer SET calls than keys
            String stats = c.call("INFO", "commandstats").asText();
            assertThat(stats).contains("cmdstat_mset:calls=");
        }
    }

    @Test
    void aLostConnectionHandsBackEveryGroupedSetUnanswered() throws Exception {
        // a server of its own, frozen (SIGSTOP) so nothing sent is answered, then killed so the connection breaks at
        // once: CLIENT PAUSE + CLIENT KILL left the killed client's close to Redis's timing (over 5 s once, in CI)
        dev.ferry.testkit.RedisServer own = dev.ferry.testkit.RedisServer.builder().name("grouping-lost").start();
        try {
            Answers answers = new Answers(0);
            List<Pending> sent = new ArrayList<>();
            RedisUri.HostPort at = new RedisUri.HostPort("127.0.0.1", own.port());
            try (PipelinedConnection c = new PipelinedConnection(RespConnection.open(at, dev.ferry.resp.ConnectOptions.plain()),
                    10_000, answers, "grouping-lost", new LongAdder())) {
                assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(own.pid())).start().waitFor()).isZero();
                for (int i = 0; i < PipelinedConnection.GROUP * 2 + 5; i++) {
                    Pending p = set(0, "u" + i, "v", true);
                    sent.add(p);
                    c.send(p);
                }
                c.flush(); // two MSETs on the wire, five SETs still grouped
                for (int i = 0; i < 3; i++) {
                    Pending p = set(0, "w" + i, "v", true);
                    sent.add(p);
                    c.send(p);
                }
                own.kill();
                assertThat(c.awaitReaderExit(10_000)).as("the reply thread saw the connection lost").isTrue();
                List<Pending> back = c.takeUnanswered();
                assertThat(back).as("each SET once, in order, none answered").containsExactlyElementsOf(sent);
                assertThat(answers.answered).isEmpty();
            }
        } finally {
            own.kill();
        }
    }
}
