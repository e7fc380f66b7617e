package dev.ferry.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void parsesBytesAndUnitsOf1024() {
        assertThat(ByteSize.parse("1048576", "--backlog")).isEqualTo(1048576L);
        assertThat(ByteSize.parse("100b", "--backlog")).isEqualTo(100L);
        assertThat(ByteSize.parse("512kb", "--backlog")).isEqualTo(512L << 10);
        assertThat(ByteSize.parse("256mb", "--backlog")).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("1GB", "--backlog")).isEqualTo(1L << 30);
        assertThat(ByteSize.parse(" 2gb ", "--backlog")).isEqualTo(2L << 30);
    }

    @Test
    void refusesWhatIsNotASizeInOneLine() {
        for (String bad : new String[] {"", "mb", "-1mb", "0", "1.5gb", "12xb", "1tb", "99999999999gb"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad, "--backlog")).as(bad).isInstanceOf(UsageException.class)
                    .hasMessage("bad --backlog '" + bad + "': use a size such as 256mb, 1gb or 1048576 (bytes)");
        }
    }

    @Test
    void printsHumanSizes() {
        assertThat(ByteSize.human(0)).isEqualTo("0 B");
        assertThat(ByteSize.human(1023)).isEqualTo("1023 B");
        assertThat(ByteSize.human(1228.8)).isEqualTo("1.2 kB");
        assertThat(ByteSize.human(1 << 20)).isEqualTo("1.0 MB");
        assertThat(ByteSize.human(3L << 29)).isEqualTo("1.5 GB");
    }

    @Test
    void printsTheFormConfigSetReads() {
        assertThat(ByteSize.configForm(256L << 20)).isEqualTo("256mb");
        assertThat(ByteSize.configForm(2L << 30)).isEqualTo("2gb");
        assertThat(ByteSize.configForm(1536L << 20)).isEqualTo("1536mb");
        assertThat(ByteSize.configForm(16L << 10)).isEqualTo("16kb");
        assertThat(ByteSize.configForm(1000)).isEqualTo("1000");
    }
}
