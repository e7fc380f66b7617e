package dev.ferry.source;

import dev.ferry.record.Command;
import dev.ferry.record.Confirmation;
import dev.ferry.record.KeyValue;
import dev.ferry.record.Position;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where one source shard hands what it reads: the only thing a source writes to. The pipeline behind it keeps
 * the filters, the db map and the rate limit, turns commands that are not about one key into what the target
 * needs, and gives everything to the writer; the writer pushes back the positions the target confirmed
 * ({@link #onConfirmed}). Records go in from one thread at a time per shard; {@link #wants}, {@link #warn} and
 * {@link #sourceWarning} may be called from any thread (a scan's keyspace listener does).
 *
 * <p>Every record carries the {@link Position} the source stands at after it; records that change nothing on
 * the target still move the position ({@link #advance}), so the confirmed position keeps up with the source.
 */
public interface ShardSink {
    /**
     * Begins a snapshot (a full sync, a file, a scan): every record of it claims {@code at}, or, when null, the
     * position its reader gives it (a file offset).
     */
    SnapshotSink snapshot(Position at);

    /**
     * Values read again while live (scan mode re-reads every key a keyspace event names): admitted, mapped and paced
     * as a snapshot's, but never cut short by a stop, since they are live changes.
     */
    SnapshotSink rereads();

    /** Whether the filters keep {@code key} of source db {@code db}, its type unknown (a keyspace event). */
    boolean wants(int db, byte[] key);

    /** The snapshot is in: from here on records are live changes, applied in source order. */
    void startLive();

    /** One live command outside MULTI/EXEC. */
    void command(Command command);

    /** The commands of one MULTI/EXEC block, applied atomically where the target allows; {@code at}: after the EXEC. */
    void transaction(List<Command> commands, Position at);

    /** A whole value in the live stream (Dragonfly journals a cross-shard RENAME as DEL + RESTORE). */
    void keyValue(KeyValue value);

    /** A live record the target has no equivalent for: reported, or the end of the run under --on-unsupported fail. */
    void refuse(int db, byte[] key, String reason, Position at);

    /** A key written, but not exactly as the source holds it. */
    void warn(int db, byte[] key, String message);

    /** Something about the source itself the report must carry ({@code subject}: the server, a setting). */
    void sourceWarning(String subject, String message);

    /** The source moved to {@code at} with nothing to write (a PING, a SELECT, a command the filters leave out). */
    void advance(Position at);

    /**
     * A new full sync replaces what this shard copied before: removes it from the target, within what Ferry
     * owns there (else the run stops with nothing deleted). Waits until everything sent so far is answered.
     */
    void removeCopiedData(String why);

    /** Sends what is buffered for the target now (the source is about to wait for more). */
    void flush();

    /** Waits until the target answered everything this run sent. */
    void drain();

    /**
     * Who hears of this shard's positions as the target's answers move them. Called on a writer's reply thread,
     * possibly out of order between threads: {@link Confirmation#sequence()} tells the newest.
     */
    void onConfirmed(Consumer<Confirmation> listener);

    /** The newest confirmation pushed so far, or null before the first. */
    Confirmation confirmation();

    /**
     * Where an earlier run left this shard on the target (its checkpoint there), or null: nothing to continue from.
     * A source that can continue from it (a Redis master accepts {@code PSYNC} from it, a Dragonfly master has the
     * flows' journal from those LSNs, a file is read from that offset) does so and calls {@link #resumed}; else it
     * calls {@link #cannotResume} and sends a full snapshot, whose start removes what the earlier run copied
     * (within what Ferry owns on the target).
     */
    default Position resumeFrom() {
        return null;
    }

    /** The source continues from {@link #resumeFrom()}: nothing up to it is sent again. */
    default void resumed(Position from) {
    }

    /** The source cannot continue from {@link #resumeFrom()} ({@code why}, one line); a full snapshot follows. */
    default void cannotResume(String why) {
    }
}
