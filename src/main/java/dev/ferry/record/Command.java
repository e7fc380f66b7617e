package dev.ferry.record;

import dev.ferry.command.ParsedCommand;

/**
 * One write from a live source's command stream, already deterministic (masters replicate effects:
 * {@code PEXPIREAT}, {@code SET ... PXAT}), to be applied as is, looked up once ({@link ParsedCommand}).
 * Commands of a {@code MULTI}/{@code EXEC} block arrive together as a {@link Transaction}.
 *
 * @param db       source database the command ran in
 * @param parsed   the command and its arguments, binary-safe, with what the command table knows of it
 * @param position source position right after this command
 */
public record Command(int db, ParsedCommand parsed, Position position) implements Record {
    public Command(int db, byte[][] args, Position position) {
        this(db, ParsedCommand.of(args), position);
    }

    /** The arguments, the name upper-cased where the command is known. */
    public byte[][] args() {
        return parsed.args();
    }

    public String name() {
        return parsed.name();
    }
}
