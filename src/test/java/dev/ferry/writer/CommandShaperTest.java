package dev.ferry.writer;

import static dev.ferry.testkit.Words.cmd;
import static dev.ferry.testkit.Words.text;
import static dev.ferry.testkit.Words.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.command.ParsedCommand;
import dev.ferry.record.Command;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandShaperTest {
    private static final boolean CLUSTER = true;
    private static final boolean STANDALONE = false;

    /** Each piece as "key dbN: sends" or "key dbN: refused: why". */
    private static List<String> show(List<CommandShaper.Piece> pieces) {
        List<String> out = new ArrayList<>();
        for (CommandShaper.Piece p : pieces) {
            StringBuilder s = new StringBuilder(text(p.key())).append(" db").append(p.db()).append(":");
            if (p.refusal() != null) s.append(" refused: ").append(p.refusal());
            for (CommandShaper.Send send : p.sends()) {
                s.append(" ").append(String.join(" ", words(send.args())));
                if (send.db() != p.db()) s.append("@db").append(send.db());
                if ((send.flags() & Pending.CHECK_EXEC) != 0) s.append("(checked)");
                s.append(";");
            }
            out.add(s.toString());
        }
        return out;
    }

    private static ParsedCommand parsed(String... words) {
        return ParsedCommand.of(cmd(words));
    }

    private static Command c(int db, String... words) {
        return new Command(db, cmd(words), null);
    }

    @Test
    void aStandaloneTargetTakesAnyCommandAsIsInAnyDb() {
        assertThat(show(CommandShaper.command(STANDALONE, 3, parsed("MSET", "{a}1", "x", "{b}1", "y"))))
                .containsExactly("{a}1 db3: MSET {a}1 x {b}1 y;");
        assertThat(show(CommandShaper.command(STANDALONE, 0, parsed("FLUSHALL"))))
                .as("no key: filed under the name").containsExactly("FLUSHALL db0: FLUSHALL;");
    }

    @Test
    void aClusterTargetGetsOneCommandPerSlotAndOnlyTheLastClaimsThePosition() {
        assertThat(show(CommandShaper.command(CLUSTER, 0, parsed("MSET", "{a}1", "x", "{b}1", "y", "{a}2", "z"))))
                .containsExactly("{a}1 db0: MSET {a}1 x {a}2 z;", "{b}1 db0: MSET {b}1 y;");
        assertThat(show(CommandShaper.command(CLUSTER, 0, parsed("SET", "k", "v"))))
                .containsExactly("k db0: SET k v;");
    }

    @Test
    void aClusterTargetRefusesWhatItCannotRoute() {
        assertThat(show(CommandShaper.command(CLUSTER, 0, parsed("RENAME", "{a}1", "{b}1"))))
                .containsExactly("{a}1 db0: refused: RENAME over keys in different slots has no equivalent on a cluster target");
        assertThat(show(CommandShaper.command(CLUSTER, 0, parsed("flushall"))))
                .containsExactly("FLUSHALL db0: refused: command FLUSHALL names no key Ferry knows of, so it cannot be "
                        + "routed on a cluster target");
        assertThat(show(CommandShaper.command(CLUSTER, 2, parsed("SET", "k", "v"))))
                .containsExactly("k db2: refused: db 2 cannot be written to a cluster target (map it with --db-map 2=0)");
    }

    @Test
    void clusterDbRefusalOnlyForOtherDbsOnACluster() {
        assertThat(CommandShaper.clusterDbRefusal(CLUSTER, 0)).isNull();
        assertThat(CommandShaper.clusterDbRefusal(STANDALONE, 5)).isNull();
        assertThat(CommandShaper.clusterDbRefusal(CLUSTER, 5))
                .isEqualTo("db 5 cannot be written to a cluster target (map it with --db-map 5=0)");
    }

    @Test
    void aBlockStaysAtomicOnAStandaloneTargetWithEachCommandInItsDb() {
        CommandShaper.Shape s = CommandShaper.transaction(STANDALONE, true,
                List.of(c(1, "set", "{a}1", "x"), c(2, "INCR", "{b}1")));
        assertThat(s.nonAtomic()).isFalse();
        assertThat(show(s.pieces())).containsExactly(
                "{a}1 db1: MULTI; SET {a}1 x; INCR {b}1@db2; EXEC@db2(checked);");
    }

    @Test
    void onATargetThatCannotSelectInsideMultiABlockOverDbsGoesCommandByCommand() {
        // Dragonfly: "SELECT is not allowed in regular EXEC/EVAL", and the rest of the block ran in the first db
        CommandShaper.Shape s = CommandShaper.transaction(STANDALONE, false,
                List.of(c(1, "set", "{a}1", "x"), c(2, "INCR", "{b}1")));
        assertThat(s.nonAtomic()).isTrue();
        assertThat(show(s.pieces())).containsExactly("{a}1 db1: SET {a}1 x;", "{b}1 db2: INCR {b}1;");
        // a block in one db (any db) stays one MULTI, in that db: the connection selects it before MULTI
        CommandShaper.Shape oneDb = CommandShaper.transaction(STANDALONE, false,
                List.of(c(3, "SET", "{a}1", "x"), c(3, "INCR", "{b}1")));
        assertThat(oneDb.nonAtomic()).isFalse();
        assertThat(show(oneDb.pieces())).containsExactly("{a}1 db3: MULTI; SET {a}1 x; INCR {b}1; EXEC(checked);");
    }

    @Test
    void aBlockInOneSlotStaysAtomicOnACluster() {
        CommandShaper.Shape s = CommandShaper.transaction(CLUSTER, true,
                List.of(c(0, "SET", "{a}1", "x"), c(0, "MSET", "{a}2", "y", "{a}3", "z")));
        assertThat(s.nonAtomic()).isFalse();
        assertThat(show(s.pieces())).containsExactly("{a}1 db0: MULTI; SET {a}1 x; MSET {a}2 y {a}3 z; EXEC(checked);");
    }

    @Test
    void aBlockOverSlotsFallsBackToCommandByCommandOnACluster() {
        CommandShaper.Shape s = CommandShaper.transaction(CLUSTER, true,
                List.of(c(0, "SET", "{a}1", "x"), c(0, "DEL", "{b}1", "{a}2")));
        assertThat(s.nonAtomic()).isTrue();
        assertThat(show(s.pieces())).containsExactly(
                "{a}1 db0: SET {a}1 x;",
                "{b}1 db0: DEL {b}1;",
                "{a}2 db0: DEL {a}2;");
    }

    @Test
    void aBlockWithAKeylessCommandOrAnotherDbIsNotAtomicOnACluster() {
        CommandShaper.Shape keyless = CommandShaper.transaction(CLUSTER, true, List.of(c(0, "SET", "k", "v"), c(0, "FLUSHALL")));
        assertThat(keyless.nonAtomic()).isTrue();
        assertThat(show(keyless.pieces())).containsExactly("k db0: SET k v;",
                "FLUSHALL db0: refused: command FLUSHALL names no key Ferry knows of, so it cannot be routed on a cluster target");
        CommandShaper.Shape otherDb = CommandShaper.transaction(CLUSTER, true, List.of(c(1, "SET", "k", "v")));
        assertThat(otherDb.nonAtomic()).isTrue();
        assertThat(otherDb.pieces()).singleElement().satisfies(p -> assertThat(p.refusal()).startsWith("db 1 cannot"));
    }

    @Test
    void anEmptyBlockSendsNothing() {
        CommandShaper.Shape s = CommandShaper.transaction(CLUSTER, true, List.of());
        assertThat(s.pieces()).isEmpty();
        assertThat(s.nonAtomic()).isFalse();
    }

    @Test
    void whatEachSendMayRepeatAfterALostConnectionFollowsItsName() {
        List<CommandShaper.Piece> parts = CommandShaper.command(CLUSTER, 0, parsed("msetnx", "{a}1", "x", "{b}1", "y"));
        assertThat(show(parts)).containsExactly("{a}1 db0: MSET {a}1 x;", "{b}1 db0: MSET {b}1 y;");
        assertThat(pending(parts.get(0)).repeatable()).as("sent as MSET: an assignment, harmless twice").isTrue();
        List<CommandShaper.Piece> dels = CommandShaper.command(CLUSTER, 0, parsed("del", "{a}1", "{b}1"));
        assertThat(show(dels)).containsExactly("{a}1 db0: DEL {a}1;", "{b}1 db0: DEL {b}1;");
        assertThat(pending(dels.get(1)).resetsKey()).isTrue();
        CommandShaper.Piece restore = CommandShaper.command(STANDALONE, 0, parsed("RESTORE-ASKING", "k", "0", "p")).get(0);
        assertThat(show(List.of(restore))).containsExactly("k db0: RESTORE k 0 p;");
        assertThat(pending(restore).repeatable()).as("looked up as RESTORE-ASKING, sent as RESTORE").isTrue();
        CommandShaper.Piece block = CommandShaper.transaction(STANDALONE, true, List.of(c(0, "SET", "k", "v"))).pieces().get(0);
        assertThat(new Pending(block.sends().get(0).args(), null, 0, 0).repeatable()).as("MULTI").isFalse();
        assertThat(block.sends().get(1).pending(null).resetsKey()).as("SET in the block").isTrue();
    }

    private static Pending pending(CommandShaper.Piece piece) {
        return piece.sends().get(0).pending(null);
    }
}
