package dev.ferry.writer;

import static dev.ferry.testkit.Words.cmd;
import static dev.ferry.testkit.Words.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.command.ParsedCommand;
import dev.ferry.server.ServerInfo;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Live commands a Dragonfly target takes only in another form: what is sent instead, and the warning for the key. */
class DragonflyCommandsTest {
    /** 2026-12-06T00:00:00Z. */
    private static final long NOW = 1796515200000L;
    private static final long TEN_YEARS = 315_360_000_000L;
    private static final ServerInfo DF = new ServerInfo(ServerInfo.Engine.DRAGONFLY, "1.40.1", 12, Set.of(), false, true);
    private static final String CLAMPED_AT = Long.toString(NOW + DragonflyTtl.MAX_MS - DragonflyTtl.CLOCK_MARGIN_MS);
    private static final String TEN_YEARS_WARNING = "TTL 315360000000 ms ahead (source expiry 2036-12-03T00:00:00Z, "
            + (NOW + TEN_YEARS) + " ms) kept as 2^28 s (Dragonfly's limit)";

    private static DragonflyCommands.Rewritten rewrite(String... words) {
        return DragonflyCommands.rewrite(DF, ParsedCommand.of(cmd(words)), NOW);
    }

    private static List<String> sent(DragonflyCommands.Rewritten r) {
        return words(r.command().args());
    }

    @Test
    void anAbsoluteExpiryBeyondTheLimitIsCutToItFromNow() {
        String at = Long.toString(NOW + TEN_YEARS);
        DragonflyCommands.Rewritten r = rewrite("PEXPIREAT", "k", at);
        assertThat(sent(r)).containsExactly("PEXPIREAT", "k", CLAMPED_AT);
        assertThat(r.warning()).isEqualTo(TEN_YEARS_WARNING);

        r = rewrite("SET", "k", "v", "PXAT", at);
        assertThat(sent(r)).containsExactly("SET", "k", "v", "PXAT", CLAMPED_AT);
        assertThat(r.warning()).isEqualTo(TEN_YEARS_WARNING);

        String atS = Long.toString((NOW + TEN_YEARS) / 1000);
        String clampedS = Long.toString((NOW + DragonflyTtl.MAX_MS - DragonflyTtl.CLOCK_MARGIN_MS) / 1000);
        assertThat(sent(rewrite("EXPIREAT", "k", atS))).containsExactly("EXPIREAT", "k", clampedS);
        assertThat(sent(rewrite("SET", "k", "v", "NX", "EXAT", atS))).containsExactly("SET", "k", "v", "NX", "EXAT", clampedS);
        assertThat(sent(rewrite("GETEX", "k", "PXAT", at))).containsExactly("GETEX", "k", "PXAT", CLAMPED_AT);
        assertThat(sent(rewrite("RESTORE", "k", at, "payload", "REPLACE", "ABSTTL")))
                .containsExactly("RESTORE", "k", CLAMPED_AT, "payload", "REPLACE", "ABSTTL");
    }

    @Test
    void aRelativeTtlBeyondTheLimitBecomesTheLimit() {
        String tenYearsS = Long.toString(TEN_YEARS / 1000);
        DragonflyCommands.Rewritten r = rewrite("EXPIRE", "k", tenYearsS);
        assertThat(sent(r)).containsExactly("EXPIRE", "k", "268435455");
        assertThat(r.warning()).isEqualTo(TEN_YEARS_WARNING);
        assertThat(sent(rewrite("PEXPIRE", "k", Long.toString(TEN_YEARS)))).containsExactly("PEXPIRE", "k", "268435455000");
        assertThat(sent(rewrite("SET", "k", "v", "EX", tenYearsS))).containsExactly("SET", "k", "v", "EX", "268435455");
        assertThat(sent(rewrite("SET", "k", "v", "PX", Long.toString(TEN_YEARS)))).containsExactly("SET", "k", "v", "PX", "268435455000");
        assertThat(sent(rewrite("SETEX", "k", tenYearsS, "v"))).containsExactly("SETEX", "k", "268435455", "v");
        assertThat(sent(rewrite("PSETEX", "k", Long.toString(TEN_YEARS), "v"))).containsExactly("PSETEX", "k", "268435455000", "v");
        assertThat(sent(rewrite("RESTORE", "k", Long.toString(TEN_YEARS), "payload"))).containsExactly("RESTORE", "k", "268435455000", "payload");
    }

    @Test
    void aTtlWithinTheLimitOrNoneGoesAsItIs() {
        assertThat(rewrite("PEXPIREAT", "k", Long.toString(NOW + DragonflyTtl.MAX_MS))).isNull();
        assertThat(rewrite("EXPIRE", "k", "268435455")).isNull();
        assertThat(rewrite("SET", "k", "v")).isNull();
        assertThat(rewrite("SET", "k", "v", "KEEPTTL")).isNull();
        assertThat(rewrite("RESTORE", "k", "0", "payload", "REPLACE")).isNull();
        assertThat(rewrite("PEXPIREAT", "k", "notanumber")).as("left to the target to answer").isNull();
        assertThat(rewrite("INCR", "k")).isNull();
    }

    @Test
    void xsetidWithRedis7OptionsGoesPlainSayingWhatItLeavesUnset() {
        DragonflyCommands.Rewritten r = rewrite("XSETID", "s", "5-0", "ENTRIESADDED", "7", "MAXDELETEDID", "3-0");
        assertThat(sent(r)).containsExactly("XSETID", "s", "5-0");
        assertThat(r.warning()).isEqualTo("stream entries-added 7 and max-deleted-id 3-0 not kept "
                + "(Dragonfly's XSETID takes no ENTRIESADDED/MAXDELETEDID)");
        assertThat(rewrite("XSETID", "s", "5-0")).as("the plain form is Dragonfly's").isNull();
    }

    @Test
    void xgroupCreateWithEntriesReadGoesAsIsWithAWarning() {
        // Dragonfly answers +OK and ignores the option (its XGROUP CREATE reads key, group, id and MKSTREAM only)
        DragonflyCommands.Rewritten r = rewrite("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "1");
        assertThat(sent(r)).containsExactly("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "1");
        assertThat(r.warning()).isEqualTo("consumer group g: entries-read 1 not kept (Dragonfly 1.40.1 ignores "
                + "XGROUP CREATE ... ENTRIESREAD); its lag is estimated");
        assertThat(rewrite("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM")).isNull();
    }
}
