package dev.ferry.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CutoverSignalTest {
    @Test
    void requestsReadBackAsWritten() {
        CutoverSignal.Request p = CutoverSignal.prepare("0a1b2c3d", 1_800_000_000_123L);
        assertThat(p.text()).isEqualTo("prepare 0a1b2c3d 1800000000123");
        assertThat(CutoverSignal.parse(p.text())).isEqualTo(p);
        CutoverSignal.Request d = CutoverSignal.done("0a1b2c3d", 1_800_000_000_123L, "10.0.0.7:6379");
        assertThat(d.text()).isEqualTo("done 0a1b2c3d 1800000000123 10.0.0.7:6379");
        assertThat(CutoverSignal.parse(d.text())).isEqualTo(d);
        assertThat(d.when()).isEqualTo("2027-01-15T08:00:00.123Z");
    }

    @Test
    void whatThisVersionCannotReadIsNoRequest() {
        assertThat(CutoverSignal.parse(null)).isNull();
        assertThat(CutoverSignal.parse("")).isNull();
        assertThat(CutoverSignal.parse("prepare x")).isNull();
        assertThat(CutoverSignal.parse("prepare x soon")).isNull();
        assertThat(CutoverSignal.parse("abort x 1")).isNull();
    }

    @Test
    void answersNameTheRequestAndTheState() {
        assertThat(CutoverSignal.seen("ab", false)).isEqualTo("ab live");
        assertThat(CutoverSignal.answered("ab live", "ab", false)).isTrue();
        assertThat(CutoverSignal.answered("ab live", "ab", true)).isFalse();
        assertThat(CutoverSignal.answered("ab stopped", "ab", true)).isTrue();
        assertThat(CutoverSignal.answered("cd stopped", "ab", true)).isFalse();
        assertThat(CutoverSignal.answered(null, "ab", false)).isFalse();
    }

    @Test
    void recentKeysKeepTheirBytesAndDbs() {
        byte[] binary = {0, (byte) 0xff, ' ', ':', '\n'};
        List<CutoverSignal.Touched> keys = List.of(new CutoverSignal.Touched(0, "user:1".getBytes(StandardCharsets.UTF_8)),
                new CutoverSignal.Touched(15, binary));
        List<CutoverSignal.Touched> back = CutoverSignal.parseRecent(CutoverSignal.recent(keys));
        assertThat(back).hasSize(2);
        assertThat(back.get(0).db()).isEqualTo(0);
        assertThat(back.get(0).key()).isEqualTo("user:1".getBytes(StandardCharsets.UTF_8));
        assertThat(back.get(1).db()).isEqualTo(15);
        assertThat(back.get(1).key()).isEqualTo(binary);
        assertThat(CutoverSignal.parseRecent("")).isEmpty();
        assertThat(CutoverSignal.parseRecent("nonsense 3:!!")).isEmpty();
    }
}
