package dev.ferry.source.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.rdb.Crc64;
import dev.ferry.record.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JournalTranslationTest {
    private static final dev.ferry.record.Position AT = new dev.ferry.record.FlowLsn("m", 0, 1);

    private static byte[][] args(String... a) {
        byte[][] out = new byte[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].getBytes(StandardCharsets.UTF_8);
        return out;
    }

    private static String text(byte[][] a) {
        StringBuilder b = new StringBuilder();
        for (byte[] x : a) b.append(b.length() == 0 ? "" : " ").append(new String(x, StandardCharsets.UTF_8));
        return b.toString();
    }

    @Test
    void dropsDragonflysOwnTokensFromSet() {
        var r = JournalTranslation.translate(0, args("SET", "k", "v", "_MCFLAGS", "7", "PXAT", "123", "STICK"), AT, false);
        assertThat(text(((JournalTranslation.Apply) r).args())).isEqualTo("SET k v PXAT 123");
        assertThat(((JournalTranslation.Apply) r).warning()).contains("memcached flags 7");
        var plain = JournalTranslation.translate(0, args("SET", "k", "v"), AT, false);
        assertThat(text(((JournalTranslation.Apply) plain).args())).isEqualTo("SET k v");
        assertThat(JournalTranslation.translate(0, args("STICK", "k"), AT, false)).isInstanceOf(JournalTranslation.Drop.class);
    }

    @Test
    void refusesCommandsOnlyDragonflyHas() {
        var r = JournalTranslation.translate(0, args("SADDEX", "s", "10", "m"), AT, false);
        assertThat(r).isInstanceOf(JournalTranslation.Refuse.class);
        assertThat(((JournalTranslation.Refuse) r).reason()).contains("SADDEX");
        assertThat(JournalTranslation.translate(0, args("JSON.SET", "j", "$", "1"), AT, false)).isInstanceOf(JournalTranslation.Refuse.class);
        assertThat(JournalTranslation.translate(0, args("JSON.SET", "j", "$", "1"), AT, true)).isInstanceOf(JournalTranslation.Apply.class);
        assertThat(JournalTranslation.translate(0, args("HSET", "h", "f", "v"), AT, false)).isInstanceOf(JournalTranslation.Apply.class);
    }

    private static byte[] dump(byte[] typeAndValue) {
        byte[] out = Arrays.copyOf(typeAndValue, typeAndValue.length + 10);
        out[typeAndValue.length] = 9;
        long crc = Crc64.update(0, out, 0, typeAndValue.length + 2);
        for (int i = 0; i < 8; i++) out[typeAndValue.length + 2 + i] = (byte) (crc >>> (8 * i));
        return out;
    }

    @Test
    void aRestoreBecomesAValueWithItsAbsoluteExpiry() {
        byte[] payload = dump(new byte[] {0, 3, 'a', 'b', 'c'});
        byte[][] a = {"RESTORE".getBytes(), "dst".getBytes(), "1795238665997".getBytes(), payload, "REPLACE".getBytes(),
                "ABSTTL".getBytes(), "STICK".getBytes()};
        var r = JournalTranslation.translate(2, a, AT, false);
        KeyValue kv = ((JournalTranslation.Restore) r).value();
        assertThat(kv.db()).isEqualTo(2);
        assertThat(new String(kv.key())).isEqualTo("dst");
        assertThat(kv.expireAtMs()).isEqualTo(1795238665997L);
        assertThat(kv.payload()).containsExactly(0, 3, 'a', 'b', 'c');
        assertThat(kv.position()).isEqualTo(AT);
        byte[][] noTtl = {"RESTORE".getBytes(), "dst".getBytes(), "0".getBytes(), payload, "REPLACE".getBytes(), "ABSTTL".getBytes()};
        assertThat(((JournalTranslation.Restore) JournalTranslation.translate(0, noTtl, AT, false)).value().expireAtMs()).isEqualTo(-1);
    }

    @Test
    void aCorruptRestorePayloadIsRefusedNotSent() {
        byte[] payload = dump(new byte[] {0, 3, 'a', 'b', 'c'});
        payload[2] = 'x';
        byte[][] a = {"RESTORE".getBytes(), "dst".getBytes(), "0".getBytes(), payload};
        assertThat(JournalTranslation.translate(0, a, AT, false)).isInstanceOf(JournalTranslation.Refuse.class);
    }
}
