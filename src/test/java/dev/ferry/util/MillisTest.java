package dev.ferry.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MillisTest {
    @Test
    void unitsAndPlainSeconds() {
        assertThat(Millis.parse("500ms", "--x")).isEqualTo(500);
        assertThat(Millis.parse("2s", "--x")).isEqualTo(2_000);
        assertThat(Millis.parse("1.5s", "--x")).isEqualTo(1_500);
        assertThat(Millis.parse("1m", "--x")).isEqualTo(60_000);
        assertThat(Millis.parse("3", "--x")).isEqualTo(3_000);
        assertThat(Millis.parse(" 0ms ", "--x")).isZero();
    }

    @Test
    void badValuesSayWhichOptionAndHow() {
        assertThatThrownBy(() -> Millis.parse("soon", "--max-lag")).isInstanceOf(UsageException.class)
                .hasMessage("--max-lag: 'soon' is not a duration (use 500ms, 2s, 1m)");
        assertThatThrownBy(() -> Millis.parse("-1s", "--wait")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> Millis.parse("", "--wait")).isInstanceOf(UsageException.class);
    }
}
