package dev.ferry.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void unorderedValuesIgnoreOrderButNotContent() {
        Digest x = Digest.unordered();
        x.element(b("f1"), b("v1"));
        x.element(b("f2"), b("v2"));
        Digest y = Digest.unordered();
        y.element(b("f2"), b("v2"));
        y.element(b("f1"), b("v1"));
        assertThat(x.value()).isEqualTo(y.value());
        Digest z = Digest.unordered();
        z.element(b("f1"), b("v2"));
        z.element(b("f2"), b("v1"));
        assertThat(z.value()).isNotEqualTo(x.value());
        // the split between field and value is part of the element
        Digest w = Digest.unordered();
        w.element(b("f1v"), b("1"));
        w.element(b("f2"), b("v2"));
        assertThat(w.value()).isNotEqualTo(x.value());
    }

    @Test
    void orderedValuesKeepOrderAndElementBoundaries() {
        Digest x = Digest.ordered();
        x.element(b("a"));
        x.element(b("bc"));
        Digest y = Digest.ordered();
        y.element(b("bc"));
        y.element(b("a"));
        Digest z = Digest.ordered();
        z.element(b("ab"));
        z.element(b("c"));
        assertThat(x.value()).isNotEqualTo(y.value()).isNotEqualTo(z.value());
    }

    @Test
    void aStringFedInPiecesEqualsItWhole() {
        Digest whole = Digest.ordered();
        byte[] s = b("hello, ferry");
        whole.bytes(s, 0, s.length);
        Digest pieces = Digest.ordered();
        pieces.bytes(s, 0, 5);
        pieces.bytes(s, 5, s.length - 5);
        assertThat(pieces.value()).isEqualTo(whole.value());
    }

    @Test
    void scoresCompareByTheirExactDouble() {
        assertThat(ProbeReader.scoreBits("1.5")).isEqualTo(ProbeReader.scoreBits("1.50"));
        assertThat(ProbeReader.scoreBits("inf")).isEqualTo(ProbeReader.scoreBits("+inf"));
        assertThat(ProbeReader.scoreBits("0.1")).isNotEqualTo(ProbeReader.scoreBits(Double.toString(Math.nextUp(0.1))));
        assertThat(ProbeReader.scoreBits("-0")).isEqualTo(ProbeReader.scoreBits("0"));
        // Redis prints 17 significant digits, Dragonfly the shortest form: one double either way
        assertThat(ProbeReader.scoreBits("0.10000000000000001")).isEqualTo(ProbeReader.scoreBits("0.1"));
    }

    @Test
    void differenceKindsInPrecedence() {
        Probe s = new Probe("hash", 3, -1, "d1");
        assertThat(Difference.compare(s, Probe.ABSENT, 1000)).isEqualTo(Difference.Kind.MISSING_ON_TARGET);
        assertThat(Difference.compare(Probe.ABSENT, s, 1000)).isEqualTo(Difference.Kind.MISSING_ON_SOURCE);
        assertThat(Difference.compare(s, new Probe("set", 3, 5000, "d2"), 1000)).isEqualTo(Difference.Kind.TYPE);
        assertThat(Difference.compare(s, new Probe("hash", 3, 5000, "d2"), 1000)).isEqualTo(Difference.Kind.VALUE);
        assertThat(Difference.compare(s, new Probe("hash", 3, 5000, "d1"), 1000)).isEqualTo(Difference.Kind.TTL);
        Probe ttl = new Probe("hash", 3, 10_000, "d1");
        assertThat(Difference.compare(ttl, new Probe("hash", 3, 9_100, "d1"), 1000)).isNull();
        assertThat(Difference.compare(ttl, new Probe("hash", 3, 8_900, "d1"), 1000)).isEqualTo(Difference.Kind.TTL);
        assertThat(Difference.compare(s, s, 1000)).isNull();
    }

    @Test
    void itsTextIsTheTwoHashesInSixteenHexDigitsEachAndTheCount() {
        for (int n = 0; n < 50; n++) {
            Digest d = Digest.ordered();
            for (int i = 0; i < n; i++) d.bytes(new byte[] {(byte) i, (byte) n}, 0, 2);
            String v = d.value();
            assertThat(v).matches("[0-9a-f]{32}:[0-9]+");
            long a = Long.parseUnsignedLong(v.substring(0, 16), 16);
            long b = Long.parseUnsignedLong(v.substring(16, 32), 16);
            assertThat(v).isEqualTo(String.format("%016x%016x:%d", a, b, d.count()));
        }
    }

    /** A string read whole gets the digest of the same bytes fed in pieces (a big string's windows). */
    @Test
    void aStringReadWholeDigestsAsTheSameBytesInPieces() {
        byte[] value = new byte[100_003];
        new java.util.Random(7).nextBytes(value);
        for (int piece : new int[] {1, 31, 4096, 100_003}) {
            Digest d = Digest.ordered();
            for (int off = 0; off < value.length; off += piece) d.bytes(value, off, Math.min(piece, value.length - off));
            assertThat(Digest.ofString(value)).as("pieces of %d", piece).isEqualTo(d.value());
        }
        Digest empty = Digest.ordered();
        assertThat(Digest.ofString(new byte[0])).isEqualTo(empty.value());
        byte[] other = value.clone();
        other[50_000] ^= 1;
        assertThat(Digest.ofString(other)).isNotEqualTo(Digest.ofString(value));
    }
}
