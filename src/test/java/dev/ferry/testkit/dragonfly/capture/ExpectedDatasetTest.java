package dev.ferry.testkit.dragonfly.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.Entry;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.HashValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.SetValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.StreamValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.StringValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.ZSetValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading every capture's expected.json(.gz) into the model, binary-safe. */
class ExpectedDatasetTest {

    @ParameterizedTest
    @ValueSource(strings = {"basic-lz4", "uncompressed", "zstd", "df-types", "partial-resync", "flushall-during-fullsync",
            "bigvalues", "bigvalues-uncompressed", "writes-during-fullsync"})
    void everyDbHoldsAsManyKeysAsItsDbsize(String scenario) {
        Captures.require(scenario);
        ExpectedDataset ds = ExpectedDataset.forScenario(scenario);
        assertThat(ds.dbs()).isNotEmpty();
        ds.dbs().values().forEach(db -> assertThat(db.keys()).as("db " + db.index()).hasSize((int) db.dbsize()));
        for (ExpectedDataset.Db db : ds.dbs().values()) {
            for (Entry e : db.keys().values()) {
                if (e.value() instanceof StreamValue st) assertThat(st.entries()).hasSize((int) st.length());
                if (e.value() instanceof ZSetValue z) z.members().forEach(m -> assertThat(m.numeric()).isNotNaN());
            }
        }
    }

    @Test
    void binaryKeysScoresAndTtlsDecode() {
        Captures.require("basic-lz4");
        ExpectedDataset ds = ExpectedDataset.forScenario("basic-lz4");
        Entry bin = ds.entry(0, "base64:a2V5/wBiaW4=");
        assertThat(bin.key().toArray()).isEqualTo("key\u00ff\u0000bin".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(bin.key().printable()).isEqualTo("base64:a2V5/wBiaW4=");
        assertThat(((StringValue) bin.value()).value().printable()).isEqualTo("binary key name");
        assertThat(((ZSetValue) ds.entry(0, "z:small").value()).members()).extracting(ExpectedDataset.ZMember::numeric)
                .containsExactly(Double.NEGATIVE_INFINITY, -0.5, 1e-7, 1.6, 2.5, Double.MAX_VALUE, Double.POSITIVE_INFINITY);
        assertThat(ds.entry(0, "ttl:list").expireAtMs()).isEqualTo(1795324565629L);
        assertThat(ds.entry(0, "ttl:list").expiredAt(1795324565629L)).isTrue();
        assertThat(ds.entry(0, "ttl:list").expiredAt(1795324565628L)).isFalse();
        assertThat(ds.dbs().get(2).keys()).isEmpty(); // FLUSHDB in the live phase
    }

    @Test
    void fieldAndMemberTtlsSitBesideTheValue() {
        Captures.require("df-types");
        ExpectedDataset ds = ExpectedDataset.forScenario("df-types");
        HashValue h = (HashValue) ds.entry(0, "hx:1").value();
        assertThat(h.fieldTtlS()).containsEntry(Bytes.utf8("f4"), 897L).doesNotContainKey(Bytes.utf8("f3"));
        assertThat(h.fields()).containsKey(Bytes.utf8("f3"));
        SetValue s = (SetValue) ds.entry(0, "sx:1").value();
        assertThat(s.memberTtlS()).containsEntry(Bytes.utf8("m4"), 1797L);
        assertThat(ds.entry(0, "json:doc").type()).isEqualTo("ReJSON-RL");
    }
}
