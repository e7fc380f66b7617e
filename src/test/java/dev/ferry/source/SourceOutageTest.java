package dev.ferry.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SourceOutageTest {
    @Test
    void givesUpOnlyOnceTheSourceHasNotAnsweredForTheWholeBound() {
        AtomicLong now = new AtomicLong(1_000_000);
        SourceOutage o = new SourceOutage("source master 10.0.0.1:6379", 300_000, now::get);
        assertThat(o.remaining()).isEqualTo("up to 5m more");
        assertThat(o.failed("Connection refused")).as("the first failure starts the clock").isNull();
        now.addAndGet(299_999);
        assertThat(o.failed("Connection refused")).isNull();
        assertThat(o.remaining()).isEqualTo("up to 1s more");
        now.addAndGet(1);
        assertThat(o.failed("LOADING Redis is loading the dataset in memory")).isEqualTo("source master 10.0.0.1:6379 has not"
                + " answered for 5m (last: LOADING Redis is loading the dataset in memory); gave up after"
                + " --source-reconnect-timeout 5m. What reached the target up to its confirmed position stays; start the"
                + " same command again once the source is back");
    }

    @Test
    void anAnswerStartsTheClockAgain() {
        AtomicLong now = new AtomicLong(0);
        SourceOutage o = new SourceOutage("s", 10_000, now::get);
        assertThat(o.failed("x")).isNull();
        now.addAndGet(9_000);
        o.answered();
        now.addAndGet(9_000);
        assertThat(o.failed("x")).as("18 s since the first failure, but it answered in between").isNull();
        now.addAndGet(9_500);
        assertThat(o.failed("x")).isNull();
        assertThat(o.remaining()).isEqualTo("up to 1s more");
        now.addAndGet(500);
        assertThat(o.failed("x")).startsWith("s has not answered for 10s (last: x); gave up after --source-reconnect-timeout 10s.");
    }

    @Test
    void durationsReadAsMinutesAndSeconds() {
        assertThat(SourceOutage.seconds(0)).isEqualTo("0s");
        assertThat(SourceOutage.seconds(1)).isEqualTo("1s");
        assertThat(SourceOutage.seconds(59_000)).isEqualTo("59s");
        assertThat(SourceOutage.seconds(60_000)).isEqualTo("1m");
        assertThat(SourceOutage.seconds(250_000)).isEqualTo("4m10s");
    }
}
