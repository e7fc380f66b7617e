package dev.ferry.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GlobTest {
    private static boolean m(String pattern, String s) {
        return new Glob(pattern).matches(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void redisGlobSyntax() {
        assertThat(m("user:*", "user:42")).isTrue();
        assertThat(m("user:*", "session:42")).isFalse();
        assertThat(m("h?llo", "hello")).isTrue();
        assertThat(m("h?llo", "hllo")).isFalse();
        assertThat(m("h[ae]llo", "hallo")).isTrue();
        assertThat(m("h[^e]llo", "hello")).isFalse();
        assertThat(m("h[a-b]llo", "hbllo")).isTrue();
        assertThat(m("a\\*b", "a*b")).isTrue();
        assertThat(m("a\\*b", "axb")).isFalse();
        assertThat(m("*", "")).isTrue();
        assertThat(m("*:*:*", "a:b:c")).isTrue();
        assertThat(m("*x", "abc")).isFalse();
    }

    @Test
    void binaryKeys() {
        assertThat(new Glob("bin*").matches(new byte[] {'b', 'i', 'n', 0, (byte) 0xff})).isTrue();
        assertThat(KeyNames.quote(new byte[] {'a', 0, (byte) 0xff, '"'})).isEqualTo("\"a\\x00\\xff\\\"\"");
    }
}
