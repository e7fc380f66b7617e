package dev.ferry.record;

/**
 * One write from a live source's command stream, already deterministic (masters replicate effects:
 * {@code PEXPIREAT}, {@code SET ... PXAT}), to be applied as is. {@code args[0]} is the command name in any
 * case. Commands of a {@code MULTI}/{@code EXEC} block arrive together as a {@link Transaction}.
 *
 * @param db       source database the command ran in
 * @param args     the command and its arguments, binary-safe
 * @param position source position right after this command (replication offset, LSN...)
 */
public record Command(int db, byte[][] args, long position) implements Record {
    public String name() {
        return new String(args[0], java.nio.charset.StandardCharsets.US_ASCII);
    }
}
