package dev.ferry.pipeline;

import dev.ferry.rdb.Crc64;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Which RDB file an import's checkpoint belongs to: its size, modification time and the CRC-64 of its first and
 * last {@value #SAMPLE} bytes. A confirmed offset is only meaningful in the file it was read from, so a run resumes
 * only when the file at hand has the same identity. Reading two samples (not the whole file) keeps the check
 * instant; a file rewritten in its middle with the same size and mtime would pass, which is why the import also
 * refuses an offset that is not a key boundary of the file it reads.
 *
 * <p>Its {@link #toString() text form} is stable, {@code size=...;mtime=...;head=...;tail=...} (decimal size and
 * epoch milliseconds, 16 hex digits each CRC), and {@link #parse} reads it back.
 */
public record FileIdentity(long size, long mtimeMs, long head, long tail) {
    /** Bytes read at each end of the file. */
    public static final int SAMPLE = 64 * 1024;

    /** The identity of {@code file} as it is now. */
    public static FileIdentity of(Path file) throws IOException {
        long mtime = Files.getLastModifiedTime(file).toMillis();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.min(SAMPLE, size);
            return new FileIdentity(size, mtime, crc(ch, 0, n), crc(ch, size - n, n));
        }
    }

    private static long crc(FileChannel ch, long from, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, from + b.position()) < 0) throw new IOException("the file shrank while its identity was read");
        }
        return Crc64.update(0, b.array(), 0, n);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "size=%d;mtime=%d;head=%016x;tail=%016x", size, mtimeMs, head, tail);
    }

    /**
     * Reads {@link #toString()}'s form back (fields in any order, each once).
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static FileIdentity parse(String text) {
        Long size = null, mtime = null, head = null, tail = null;
        for (String part : text.split(";", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("not a file identity (\"" + part + "\" is not name=value): " + text);
            String name = part.substring(0, eq);
            String value = part.substring(eq + 1);
            try {
                switch (name) {
                    case "size" -> size = once(size, Long.parseLong(value), name, text);
                    case "mtime" -> mtime = once(mtime, Long.parseLong(value), name, text);
                    case "head" -> head = once(head, hex(value), name, text);
                    case "tail" -> tail = once(tail, hex(value), name, text);
                    default -> throw new IllegalArgumentException("not a file identity (unknown field " + name + "): " + text);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a file identity (bad " + name + " \"" + value + "\"): " + text);
            }
        }
        if (size == null || mtime == null || head == null || tail == null) {
            throw new IllegalArgumentException("not a file identity (size, mtime, head and tail are each needed): " + text);
        }
        if (size < 0) throw new IllegalArgumentException("not a file identity (negative size): " + text);
        return new FileIdentity(size, mtime, head, tail);
    }

    private static long hex(String s) {
        if (s.length() != 16) throw new NumberFormatException(s);
        return Long.parseUnsignedLong(s, 16);
    }

    private static Long once(Long seen, long value, String name, String text) {
        if (seen != null) throw new IllegalArgumentException("not a file identity (" + name + " twice): " + text);
        return value;
    }

    /** Why {@code now} is not the file this identity was taken of, in one line, or null when it is. */
    public String differenceFrom(FileIdentity now) {
        if (size != now.size) return String.format(Locale.ROOT, "its size changed from %,d to %,d bytes", size, now.size);
        if (mtimeMs != now.mtimeMs) return "it was modified since";
        if (head != now.head || tail != now.tail) return "its content differs";
        return null;
    }
}
