package dev.ferry.testkit.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RedisUri.HostPort;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AppWritesCheckTest {
    private static final HostPort OLD = new HostPort("127.0.0.1", 7001);
    private static final HostPort NEW = new HostPort("127.0.0.1", 7002);

    private static List<SentinelAppClient.Ack> acks(HostPort at, long... ns) {
        List<SentinelAppClient.Ack> r = new ArrayList<>();
        for (long n : ns) {
            r.add(new SentinelAppClient.Ack(n, at, n));
        }
        return r;
    }

    private static List<SentinelAppClient.Ack> concat(List<SentinelAppClient.Ack> a, List<SentinelAppClient.Ack> b) {
        List<SentinelAppClient.Ack> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }

    @Test
    void everyAckedWriteOnceInOrderIsNoViolation() {
        // 4 failed with an unknown outcome and was applied: allowed
        AppWritesCheck.Result r = AppWritesCheck.check("t:1", List.of("1", "2", "3", "4", "5"), 5L, "c", "p",
                concat(acks(OLD, 1, 2, 3), acks(NEW, 5)),
                List.of(new SentinelAppClient.Failure(4, OLD, "connection reset", false)), 5);
        assertThat(r.report()).isEmpty();
        assertThat(r.ok()).isTrue();
        assertThat(r.list()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(r.missing()).isEmpty();
    }

    @Test
    void namesLostDuplicatedUnsentRefusedAndMisorderedWrites() {
        AppWritesCheck.Result r = AppWritesCheck.check("t:1", List.of("1", "2", "9", "9", "5", "7", "x"), 6L, "c", "p",
                concat(acks(OLD, 1, 2, 3, 4), acks(NEW, 6, 7, 8, 9)),
                List.of(new SentinelAppClient.Failure(5, NEW, "EXECABORT", true)), 9);
        assertThat(r.missing()).containsExactly(3L, 4L, 6L, 8L);
        assertThat(r.duplicated()).containsExactly(9L);
        assertThat(r.unattempted()).isEmpty();
        assertThat(r.refusedButPresent()).containsExactly(5L);
        assertThat(r.outOfOrder()).containsExactly(5L, 7L);
        assertThat(r.notNumbers()).containsExactly("x");
        assertThat(r.counter()).isEqualTo(6L);
        assertThat(r.report()).isEqualTo("c on t:1 (acked 8, failed 1, sent 1-9, list 7):\n"
                + "  4 acknowledged writes missing: 3-4 (acknowledged by 127.0.0.1:7001); 6, 8 (acknowledged by 127.0.0.1:7002)\n"
                + "  1 writes present more than once: 9 x2\n"
                + "  1 writes present that the server refused: 5\n"
                + "  2 numbers after a higher one (the writes are sequential): 5, 7\n"
                + "  1 elements that are not write numbers: [x]\n"
                + "  p:ctr is 6 but p:seq has 7 elements (one transaction writes both)\n");
    }

    @Test
    void numbersNeverSentAndAnAbsentCounterAreReported() {
        AppWritesCheck.Result r = AppWritesCheck.check("t:1", List.of("0", "1", "4"), null, "c", "p",
                acks(OLD, 1), List.of(), 2);
        assertThat(r.unattempted()).containsExactly(0L, 4L);
        assertThat(r.report()).isEqualTo("c on t:1 (acked 1, failed 0, sent 1-2, list 3):\n"
                + "  2 numbers present that were never sent (sent 1-2): 0, 4\n"
                + "  p:ctr is absent but p:seq has 3 elements (one transaction writes both)\n");
    }
}
