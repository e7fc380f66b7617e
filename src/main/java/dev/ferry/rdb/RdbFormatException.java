package dev.ferry.rdb;

/**
 * The input is not a well-formed RDB file or payload (corrupt, truncated, unsupported). The message is
 * always one line naming the offset, the key when known, and what was wrong.
 */
public class RdbFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean located;

    /** Detail only: whoever knows the offset and key adds them later (see {@link #located}). */
    RdbFormatException(String detail) {
        super(oneLine(detail));
        this.located = false;
    }

    private RdbFormatException(String message, boolean located, Throwable cause) {
        super(oneLine(message), cause);
        this.located = located;
    }

    /**
     * The whole file was read, every value passed its checks, but the file's CRC-64 does not match its bytes: some
     * value may still be damaged in a way no structure check sees.
     */
    public static final class ChecksumMismatch extends RdbFormatException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatch(String message) {
            super(message, true, null);
        }
    }

    /** Builds the final one-line message: where, which key, what. */
    static RdbFormatException at(String what, long offset, int db, byte[] key, String detail) {
        return new RdbFormatException(message(what, offset, db, key, detail), true, null);
    }

    static String message(String what, long offset, int db, byte[] key, String detail) {
        StringBuilder sb = new StringBuilder(what).append(" at offset ").append(offset);
        if (key != null) {
            sb.append(" (key \"").append(printable(key, 64)).append("\", db ").append(db).append(')');
        }
        sb.append(": ").append(detail);
        return sb.toString();
    }

    static RdbFormatException at(String what, long offset, int db, byte[] key, RdbFormatException cause) {
        return new RdbFormatException(message(what, offset, db, key, cause.getMessage()), true, cause);
    }

    /** Public for callers outside the package that need to report a format problem the same way. */
    public static RdbFormatException of(String message) {
        return new RdbFormatException(message, true, null);
    }

    /** False when the message still lacks the offset and key context. */
    boolean located() {
        return located;
    }

    /** Keys can be 16 KB of binary; the message must stay one readable line. */
    static String printable(byte[] b, int max) {
        return dev.ferry.util.KeyNames.printable(b, max);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
