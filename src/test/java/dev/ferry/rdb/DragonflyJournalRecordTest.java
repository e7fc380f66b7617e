package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Journal record forms the v1.40 captures do not hold: those of older masters, and broken records. */
class DragonflyJournalRecordTest {
    private static void command(ByteArrayOutputStream out, int op, long txid, String... args) {
        out.write(op);
        out.write((int) txid);
        out.write(1); // shard count
        out.write(args.length);
        int total = 0;
        for (String a : args) total += a.length();
        out.write(total);
        for (String a : args) {
            out.write(a.length());
            out.writeBytes(a.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static DragonflyFlowReader reader(byte[] bytes) {
        return new DragonflyFlowReader(new ByteArrayInputStream(bytes), new DragonflyFlowReaderCaptureTest.Tally(),
                new RdbReader.Options(), "test");
    }

    @Test
    void legacyMultiCommandExecAndExpiredRecords() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(6);
        b.write(2); // SELECT 2
        command(b, 11, 7, "SET", "a", "1");
        command(b, 11, 7, "SET", "b", "2");
        b.write(12);
        b.write(7);
        b.write(1); // EXEC txid 7
        command(b, 9, 0, "DEL", "gone"); // expiry before v1.38
        b.write(13); // PING
        b.write(15);
        b.write(4); // LSN 4
        DragonflyFlowReader r = reader(b.toByteArray());
        JournalRecord m1 = r.nextRecord();
        assertThat(m1.kind()).isEqualTo(JournalRecord.Kind.MULTI_COMMAND);
        assertThat(m1.db()).isEqualTo(2);
        assertThat(m1.txid()).isEqualTo(7);
        assertThat(r.nextRecord().kind()).isEqualTo(JournalRecord.Kind.MULTI_COMMAND);
        JournalRecord exec = r.nextRecord();
        assertThat(exec.kind()).isEqualTo(JournalRecord.Kind.EXEC);
        assertThat(exec.txid()).isEqualTo(7);
        JournalRecord expired = r.nextRecord();
        assertThat(expired.kind()).isEqualTo(JournalRecord.Kind.COMMAND);
        assertThat(expired.name()).isEqualTo("DEL");
        assertThat(r.nextRecord().kind()).isEqualTo(JournalRecord.Kind.PING);
        JournalRecord lsn = r.nextRecord();
        assertThat(lsn.kind()).isEqualTo(JournalRecord.Kind.LSN);
        assertThat(lsn.lsn()).isEqualTo(4);
        assertThat(lsn.kind().counted()).isFalse();
    }

    @Test
    void aRecordWhoseSizeDisagreesOrAnUnknownOpcodeIsRefused() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        command(b, 10, 1, "SET", "k", "v");
        byte[] bytes = b.toByteArray();
        bytes[4] = 9; // total length says 9, the elements hold 5
        assertThatThrownBy(() -> reader(bytes).nextRecord()).isInstanceOf(RdbFormatException.class).hasMessageContaining("says 9");
        assertThatThrownBy(() -> reader(new byte[] {42}).nextRecord()).hasMessageContaining("unknown journal opcode 42");
    }
}
