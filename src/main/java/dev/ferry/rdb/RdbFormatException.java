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

    /**
     * A read asked to resume at an offset ({@link RdbReader#readFrom}) that is not a key boundary of the file: it
     * falls inside a record or the header, or after the file's end. The visitor was told nothing.
     */
    public static final class NotAKeyBoundary extends RdbFormatException {
        private static final long serialVersionUID = 1L;
        private final long offset;

        NotAKeyBoundary(long offset, long readTo, boolean end) {
            super(String.format(java.util.Locale.ROOT, "offset %,d is not a key boundary (%s)", offset,
                    end && readTo < offset ? String.format(java.util.Locale.ROOT, "the file's RDB data ends at offset %,d", readTo)
                            : readTo == offset ? "a key's expiry or access prefix ends there, not the key"
                            : String.format(java.util.Locale.ROOT, "a record runs over it, to offset %,d", readTo)),
                    true, null);
            this.offset = offset;
        }

        /** The offset that was asked for. */
        public long offset() {
            return offset;
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
