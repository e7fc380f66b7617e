package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordTranslatorTest {
    private static String s(double d) {
        return new String(RecordTranslator.score(d), StandardCharsets.US_ASCII);
    }

    @Test
    void scoresRoundTripBitForBit() {
        double[] samples = {0.1, -0.30000000000000004, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, 3.141592653589793,
                12345678901234567.0, 2.37, -0.0, 0.0, 1e15, 123456789012345.0};
        for (double d : samples) {
            assertThat(Double.doubleToRawLongBits(Double.parseDouble(s(d)))).as("score %s", d)
                    .isEqualTo(Double.doubleToRawLongBits(d));
        }
        assertThat(s(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(s(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
        assertThat(s(42)).isEqualTo("42");
    }
}
