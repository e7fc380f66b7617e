package dev.ferry.rdb;

import dev.ferry.command.ValueType;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Streams an RDB file (versions 1 to 12) to an {@link RdbVisitor}. Each key arrives either as one
 * {@link KeyValue} holding the value's bytes exactly as serialised, or, when that would exceed
 * {@link Options#bigValueThreshold}, as element batches decoded incrementally. Reading stops after the
 * EOF opcode and its checksum, so trailing data (an AOF tail) is left alone.
 */
public final class RdbReader {
    public static final int MAX_RDB_VERSION = 12;

    /** Decides, before a value is read, whether the key is wanted; rejected values are skipped. */
    @FunctionalInterface
    public interface KeyFilter {
        KeyFilter ALL = (db, key, rdbType) -> true;

        boolean accept(int db, byte[] key, int rdbType);
    }

    /** Reader settings; setters return this. */
    public static final class Options {
        private long bigValueThreshold = 8L * 1024 * 1024;
        private int batchSize = 512;
        private boolean verifyChecksum = true;
        private KeyFilter filter = KeyFilter.ALL;
        private int bufferSize = 64 * 1024;
        private java.util.function.LongFunction<dev.ferry.record.Position> positions = dev.ferry.record.FileOffset::new;

        public long bigValueThreshold() { return bigValueThreshold; }
        public int batchSize() { return batchSize; }
        public boolean verifyChecksum() { return verifyChecksum; }
        public KeyFilter filter() { return filter; }
        public int bufferSize() { return bufferSize; }

        /** The position a record read up to byte {@code offset} of the stream claims. */
        public dev.ferry.record.Position position(long offset) { return positions.apply(offset); }

        /**
         * What records claim as their position, from the stream offset right after them: the file offset (the
         * default), or for a replica's full sync the one position the whole snapshot stands for.
         */
        public Options positions(java.util.function.LongFunction<dev.ferry.record.Position> positions) {
            this.positions = positions;
            return this;
        }

        /** Values whose serialised size exceeds this many bytes are emitted as element batches. */
        public Options bigValueThreshold(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("bigValueThreshold must be >= 0");
            this.bigValueThreshold = bytes;
            return this;
        }

        public Options batchSize(int elements) {
            if (elements < 1) throw new IllegalArgumentException("batchSize must be >= 1");
            this.batchSize = elements;
            return this;
        }

        public Options verifyChecksum(boolean verify) {
            this.verifyChecksum = verify;
            return this;
        }

        public Options filter(KeyFilter keyFilter) {
            this.filter = keyFilter == null ? KeyFilter.ALL : keyFilter;
            return this;
        }

        public Options bufferSize(int bytes) {
            if (bytes < 16) throw new IllegalArgumentException("bufferSize must be >= 16");
            this.bufferSize = bytes;
            return this;
        }
    }

    private final RdbInput in;
    private final RdbVisitor visitor;
    private final Options options;
    private final EntryReader entries;
    private int version;
    private int db;
    private byte[] key;
    private long expireAt = -1;
    private long recordStart;
    private boolean prefixPending;
    private long storedChecksum = -1;
    /** The key boundary to resume at (see {@link #readFrom}), or -1 to hand on every key. */
    private long resumeAt = -1;
    /** What the visitor is told before {@link #resumeAt} is reached, held back until it is known to be a boundary. */
    private final java.util.List<Runnable> held = new java.util.ArrayList<>();

    public RdbReader(InputStream in, RdbVisitor visitor, Options options) {
        this.options = options == null ? new Options() : options;
        this.in = new RdbInput(in, this.options.bufferSize);
        this.visitor = visitor;
        this.entries = new EntryReader(this.in, visitor, this.options);
    }

    /** Bytes consumed so far. */
    public long position() {
        return in.position();
    }

    /** The checksum the file carries after its EOF opcode (0: saved without one), once read; -1 before. */
    public long storedChecksum() {
        return storedChecksum;
    }

    /** The RDB version from the header, once read. */
    public int rdbVersion() {
        return version;
    }

    /**
     * Reads to the EOF opcode, verifies the checksum, calls {@link RdbVisitor#end}.
     *
     * @throws RdbFormatException on corrupt, truncated or unsupported input
     * @throws java.io.UncheckedIOException if the underlying stream fails
     */
    public void read() {
        try {
            header();
            body();
        } catch (RdbFormatException e) {
            if (e.located()) throw e;
            throw RdbFormatException.at("corrupt RDB", in.position(), db, key, e);
        } catch (BigValueSignal s) {
            throw RdbFormatException.at("corrupt RDB", in.position(), db, key, "internal: unexpected big-value signal");
        }
    }

    /**
     * Reads the file as {@link #read} does, but hands on only the keys after {@code offset}, a key boundary an
     * earlier read claimed as a position (the end of a key's record, the start of a big value's, or the end of the
     * file). Everything before it is read to know the reader's state there (the version, the current db, AUX
     * fields, function libraries, module AUX) and the CRC-64, but values are skipped without being decoded; the
     * visitor hears of those non-key records, in file order, once the offset is reached and so known to be a
     * boundary. Positions stay offsets from the file's start.
     *
     * @throws RdbFormatException.NotAKeyBoundary if {@code offset} is not a boundary of this file (inside a record,
     *         in the header, after the end): the visitor was told nothing, so the caller can read from the start
     * @throws RdbFormatException on corrupt, truncated or unsupported input
     */
    public void readFrom(long offset) {
        readFrom(offset, () -> { });
    }

    /** As {@link #readFrom(long)}; {@code reached} runs once {@code offset} proves a boundary, before anything after it. */
    public void readFrom(long offset, Runnable reached) {
        if (offset < 0) throw new IllegalArgumentException("offset must be >= 0");
        resumeAt = offset;
        held.clear();
        held.add(reached);
        read();
    }

    /** Whether keys are being skipped to reach {@link #resumeAt}. */
    private boolean skipping() {
        return resumeAt >= 0;
    }

    /** Tells the visitor now, or once the resume offset is reached. */
    private void tell(Runnable call) {
        if (skipping()) held.add(call);
        else call.run();
    }

    /**
     * At the top of the record loop (or after the checksum): hands keys on from here if this is the resume offset,
     * refuses it if the read went past it, which means it lies inside a record.
     */
    private void checkResume(boolean atBoundary, boolean atEnd) {
        if (!skipping()) return;
        long at = in.position();
        if (at == resumeAt && atBoundary) {
            resumeAt = -1;
            for (Runnable call : held) call.run();
            held.clear();
        } else if (at >= resumeAt || atEnd) {
            long offset = resumeAt;
            resumeAt = -1;
            held.clear();
            throw new RdbFormatException.NotAKeyBoundary(offset, at, atEnd);
        }
    }

    private void header() {
        in.startCrc();
        byte[] magic = new byte[9];
        for (int i = 0; i < 9; i++) {
            int b;
            try {
                b = in.readU8();
            } catch (RdbFormatException e) {
                throw RdbFormatException.of("not an RDB file: only " + i + " bytes");
            }
            magic[i] = (byte) b;
        }
        String s = new String(magic, StandardCharsets.ISO_8859_1);
        if (!s.startsWith("REDIS")) {
            throw RdbFormatException.of("not an RDB file: starts with \"" + RdbFormatException.printable(magic, 9) + "\" instead of REDIS");
        }
        String digits = s.substring(5);
        for (int i = 0; i < 4; i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                throw RdbFormatException.of("not an RDB file: bad version \"" + RdbFormatException.printable(magic, 9).substring(5) + "\"");
            }
        }
        version = Integer.parseInt(digits);
        if (version < 1 || version > MAX_RDB_VERSION) {
            throw RdbFormatException.of("unsupported RDB version " + version + " (this reader handles 1 to " + MAX_RDB_VERSION + ")");
        }
        int v = version;
        tell(() -> visitor.begin(v));
    }

    private void body() {
        while (true) {
            key = null;
            checkResume(!prefixPending, false);
            if (!prefixPending) recordStart = in.position();
            int type = in.readU8();
            prefixPending = type == 252 || type == 253 || type == 248 || type == 249;
            switch (type) {
                case 252: expireAt = in.readLongLE(); continue;
                case 253: expireAt = in.readIntLE() * 1000L; continue;
                case 249: in.readU8(); continue; // LFU counter: Ferry does not carry access statistics
                case 248: in.readLen(); continue; // LRU idle time: likewise
                case 254: {
                    long d = in.readLen();
                    if (d < 0 || d > Integer.MAX_VALUE) throw new RdbFormatException("implausible db number " + Long.toUnsignedString(d));
                    db = (int) d;
                    int selected = db;
                    tell(() -> visitor.selectDb(selected));
                    continue;
                }
                case 251: {
                    long size = in.readLen();
                    long expires = in.readLen();
                    tell(() -> visitor.resizeDb(size, expires));
                    continue;
                }
                case 244: in.readLen(); in.readLen(); in.readLen(); continue;
                case 250: {
                    byte[] name = in.readString();
                    byte[] value = in.readString();
                    tell(() -> visitor.aux(name, value));
                    continue;
                }
                case 247: moduleAux(); continue;
                case 246: preGaFunction(); continue;
                case 245: {
                    byte[] code = in.readString();
                    tell(() -> visitor.functionLibrary(code));
                    continue;
                }
                case 255: eof(); return;
                default:
                    if (ValueType.ofRdbType(type) == null || DragonflyTypes.isDragonflyOnly(type)) {
                        throw new RdbFormatException("unknown opcode or value type " + type);
                    }
                    if (skipping()) skipKeyValue(type);
                    else keyValue(type);
            }
        }
    }

    /** A key before the resume offset: walked over, not decoded, not handed on. */
    private void skipKeyValue(int type) {
        in.skipString();
        expireAt = -1;
        ValueSkipper.skip(type, in);
    }

    private void moduleAux() {
        long id = in.readLen();
        long whenOpcode = in.readLen();
        in.readLen();
        if (whenOpcode != 2) throw new RdbFormatException("module AUX with bad when-opcode " + whenOpcode);
        ValueSkipper.skipModuleOpcodes(in);
        long at = in.position();
        tell(() -> visitor.moduleAux(id, ModuleId.name(id), at));
    }

    /** Redis 7.0 GA rewrites this 7.0-RC record as "#!engine name=lib\ncode"; so do we. */
    private void preGaFunction() {
        byte[] name = in.readString();
        byte[] engine = in.readString();
        if (in.readLen() != 0) in.skipString(); // description: Redis drops it too
        byte[] code = in.readString();
        byte[] head = ("#!" + new String(engine, StandardCharsets.ISO_8859_1) + " name="
                + new String(name, StandardCharsets.ISO_8859_1) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] lib = new byte[head.length + code.length];
        System.arraycopy(head, 0, lib, 0, head.length);
        System.arraycopy(code, 0, lib, head.length, code.length);
        tell(() -> visitor.functionLibrary(lib));
    }

    private void eof() {
        long computed = in.crc();
        if (version >= 5) {
            long stored;
            try {
                stored = in.readLongLE();
            } catch (RdbFormatException e) {
                throw new RdbFormatException("file ends before the 8-byte checksum");
            }
            storedChecksum = stored;
            if (options.verifyChecksum && stored != 0 && stored != computed) {
                throw new RdbFormatException.ChecksumMismatch(RdbFormatException.message("corrupt RDB", in.position() - 8, db, null,
                        String.format("checksum mismatch: file says %016x, data gives %016x", stored, computed)));
            }
        }
        checkResume(true, true);
        visitor.end(in.position());
    }

    private void keyValue(int type) {
        key = in.readString();
        long expire = expireAt;
        expireAt = -1;
        entries.value(db, key, type, expire, version, recordStart);
    }
}
