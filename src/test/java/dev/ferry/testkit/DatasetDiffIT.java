package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The comparison the kill tests end with: what it must see as equal, what it must report, and how. */
class DatasetDiffIT {
    @RegisterExtension
    static final RedisServerExtension a = new RedisServerExtension(b -> b.name("diff-a")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension b = new RedisServerExtension(b -> b.name("diff-b")).flushBeforeEach();

    private static DatasetDiff.Side left() {
        return DatasetDiff.Side.of("a", a.get());
    }

    private static DatasetDiff.Side right() {
        return DatasetDiff.Side.of("b", b.get());
    }

    private static void both(String script) {
        a.get().cliScript(script);
        b.get().cliScript(script);
    }

    @Test
    void sameDataWrittenInAnotherOrderAndOtherTtlsAndCheckpointKeysAreEqual() {
        a.get().cliScript("SADD s x y z\nHSET h f1 1 f2 2\nZADD z 1 m1 2 m2\nSET t v EX 1000\nSELECT 3\nSET other db");
        b.get().cliScript("SADD s z y x\nHSET h f2 2 f1 1\nZADD z 2 m2 1 m1\nSET t v EX 2000\nSELECT 3\nSET other db\n"
                + "SELECT 0\nHSET ferry:ckpt:{x} meta run\nSELECT 3\nHSET ferry:ckpt:{y} at:0 1");
        both("XADD st 1-1 f v\nXADD st 2-0 f w\nXGROUP CREATE st g 0\nXGROUP CREATECONSUMER st g c");
        assertThat(DatasetDiff.compare(left(), right())).isNull();
        assertThat(DatasetDiff.hasCheckpoint(right())).isTrue();
        assertThat(DatasetDiff.hasCheckpoint(left())).isFalse();
    }

    @Test
    void everyKindOfDifferenceIsReportedWithWhatDiffers() {
        a.get().cliScript("RPUSH l e1 e2 e3\nHSET h f1 1 f2 2\nZADD z 1 m1 2 m2\nSET s v\nSET ttl v EX 1000\nSET gone v\n"
                + "XADD st 1-0 f v\nSADD set a b\nSET typ v");
        b.get().cliScript("RPUSH l e2 e1 e3\nHSET h f1 1 f2 3\nZADD z 1 m1 3 m2\nSET s v\nSET ttl v\nSET extra v\n"
                + "XADD st 2-0 f v\nSADD set a b c\nRPUSH typ v");
        String diff = DatasetDiff.compare(left(), right());
        assertThat(diff).startsWith("9 key(s) differ between a (9 keys) and b (9 keys)")
                .contains("0:l: list, 3 element(s) on a, 3 on b; only on a: 2 [0=e1, 1=e2]; only on b: 2 [0=e2, 1=e1]")
                .contains("0:h: hash, 2 element(s) on a, 2 on b; only on a: 1 [f2=2]; only on b: 1 [f2=3]")
                .contains("0:z: zset, 2 element(s) on a, 2 on b; only on a: 1 [m2=2]; only on b: 1 [m2=3]")
                .contains("0:ttl: string, TTL set on a but none on b")
                .contains("0:gone: only on a (string without TTL")
                .contains("0:extra: only on b (string without TTL")
                .contains("0:st: stream,").contains("only on a: 2 [1-0 f v, ").contains("only on b: 2 [2-0 f v, ")
                .contains("0:set: set, 2 element(s) on a, 3 on b; only on a: nothing; only on b: 1 [c]")
                .contains("0:typ: type string on a, list on b")
                .doesNotContain("0:s:");
    }

    @Test
    void binaryKeysAndValuesArePrintedEscaped() {
        a.get().cliScript("SET \"k\\x00\\xff\" \"v\\r\\n\"");
        String diff = DatasetDiff.compare(left(), right());
        assertThat(diff).contains("0:k\\x00\\xff: only on a (string without TTL").contains("[v\\x0d\\x0a]");
    }
}
