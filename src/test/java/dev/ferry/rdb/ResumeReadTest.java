package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.FileOffset;
import dev.ferry.record.KeyValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RdbReader#readFrom}: from every key boundary of a file exactly the keys after it are handed on, with the
 * reader's state there (db, expiry, the function libraries and AUX fields before it) intact; any other offset is
 * refused before the visitor hears anything, so the caller can read from the start instead.
 */
class ResumeReadTest {
    /** Every key (with where its record ends) and every other record, each as one comparable line. */
    static final class Events implements RdbVisitor {
        final List<String> keys = new ArrayList<>();
        final List<Long> keyEnds = new ArrayList<>();
        /** Where a record inside which no resume may start begins and ends: [start, end) of big values and small values. */
        final List<long[]> interiors = new ArrayList<>();
        final List<String> others = new ArrayList<>();
        RdbReader reader;
        private StringBuilder big;
        private long bigStart;

        @Override public void begin(int rdbVersion) { others.add("begin " + rdbVersion); }
        @Override public void aux(byte[] name, byte[] value) { others.add("aux " + s(name) + "=" + s(value)); }
        @Override public void selectDb(int db) { others.add("db " + db); }
        @Override public void resizeDb(long dbSize, long expiresSize) { others.add("resize " + dbSize + " " + expiresSize); }
        @Override public void functionLibrary(byte[] code) { others.add("function " + s(code)); }
        @Override public void moduleAux(long moduleId, String moduleName, long position) { others.add("module " + moduleName + " @" + position); }
        @Override public void end(long position) { others.add("end " + position); }

        @Override
        public void keyValue(KeyValue kv) {
            long end = ((FileOffset) kv.position()).offset();
            assertThat(end).isEqualTo(reader.position());
            key(kv.db() + " " + s(kv.key()) + " ttl=" + kv.expireAtMs() + " v" + kv.rdbVersion() + " "
                    + HexFormat.of().formatHex(kv.payload()), end);
            // the value's own bytes (after the type byte) lie inside the record
            interiors.add(new long[] {end - (kv.payload().length - 1), end});
        }

        @Override
        public void bigValueStart(BigValueStart start) {
            bigStart = ((FileOffset) start.position()).offset();
            big = new StringBuilder(start.db() + " " + s(start.key()) + " ttl=" + start.expireAtMs() + " big");
        }

        @Override
        public void elements(ElementBatch batch) {
            big.append(" | ").append(String.join(",", Elements.of(List.of(batch))));
        }

        @Override
        public void bigValueEnd(BigValueEnd end) {
            long at = ((FileOffset) end.position()).offset();
            key(big.toString(), at);
            interiors.add(new long[] {bigStart + 1, at});
            big = null;
        }

        @Override
        public void skipped(int db, byte[] key, String reason) {
            key(db + " " + s(key) + " skipped: " + reason, reader.position());
        }

        private void key(String line, long end) {
            keys.add(line);
            keyEnds.add(end);
        }

        /** The keys whose records end after {@code offset}. */
        List<String> keysAfter(long offset) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) if (keyEnds.get(i) > offset) out.add(keys.get(i));
            return out;
        }

        boolean inside(long offset) {
            for (long[] r : interiors) if (offset >= r[0] && offset < r[1]) return true;
            return false;
        }
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static RdbReader.Options options() {
        return new RdbReader.Options().bigValueThreshold(200).batchSize(7).bufferSize(64);
    }

    private static Events read(byte[] file, long from, RdbReader.Options options) {
        Events e = new Events();
        RdbReader r = new RdbReader(new ByteArrayInputStream(file), e, options);
        e.reader = r;
        if (from < 0) r.read();
        else r.readFrom(from);
        return e;
    }

    /** Two dbs, AUX fields, a function library in the middle, expiry and LRU/LFU prefixes, big values in pieces. */
    static byte[] generated() {
        List<byte[]> items = new ArrayList<>();
        for (int i = 0; i < 60; i++) items.add(("item-" + i).getBytes());
        List<byte[]> fields = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            fields.add(("f" + i).getBytes());
            values.add(("value-" + i).getBytes());
        }
        byte[] bigString = new byte[1000];
        for (int i = 0; i < bigString.length; i++) bigString[i] = (byte) (i * 7);
        return new RdbFiles(10)
                .raw(250).string("redis-ver").string("7.0.15")
                .raw(250).string("ctime").string("1700000000")
                .raw(254).len(0).raw(251).len(5).len(1)
                .key("a", DumpPayload.string("first".getBytes()))
                .raw(252).longLE(4102444800000L)
                .key("with-ttl", DumpPayload.string("soon".getBytes()))
                .key("big-list", DumpPayload.list(items))
                .raw(248).len(1234)
                .key("lru", DumpPayload.set(List.of("x".getBytes(), "y".getBytes())))
                .raw(245).string("#!lua name=lib1\nredis.register_function('f1', function() return 1 end)")
                .raw(249).raw(7)
                .key("big-hash", DumpPayload.hash(fields, values, null, 10))
                .raw(247).len(0x1234567890abcL).len(2).len(2).len(2).len(5).len(0)
                .raw(254).len(3).raw(251).len(3).len(0)
                .key("b", DumpPayload.string("in db 3".getBytes()))
                .key("huge", DumpPayload.string(bigString))
                .raw(2).string("empty-set").len(0)
                .key("last", DumpPayload.string("z".getBytes()))
                .end(true);
    }

    @Test
    void everyOffsetOfAGeneratedFileIsABoundaryOrRefused() {
        byte[] file = generated();
        Events full = read(file, -1, options());
        assertThat(full.keys).hasSize(9);
        assertThat(full.keys.stream().filter(k -> k.contains(" big")).count()).isEqualTo(3);
        int accepted = 0;
        for (long offset = 0; offset <= file.length + 3; offset++) {
            Events e = new Events();
            RdbReader r = new RdbReader(new ByteArrayInputStream(file), e, options());
            e.reader = r;
            long at = offset;
            try {
                r.readFrom(offset);
            } catch (RdbFormatException.NotAKeyBoundary refused) {
                assertThat(refused.offset()).isEqualTo(at);
                assertThat(e.keys).as("told nothing when refusing %d", at).isEmpty();
                assertThat(e.others).as("told nothing when refusing %d", at).isEmpty();
                assertThat(full.keyEnds).as("a key's end is a boundary").doesNotContain(at);
                continue;
            }
            accepted++;
            assertThat(full.inside(offset)).as("offset %d lies inside a key's record", at).isFalse();
            assertThat(offset).isBetween(9L, (long) file.length);
            assertThat(e.keys).as("keys after %d", at).isEqualTo(full.keysAfter(offset));
            assertThat(e.others).as("non-key records when resuming at %d", at).isEqualTo(full.others);
        }
        // every key's end, and no more than one boundary per record (header end, AUX, db, resize, function, module)
        assertThat(accepted).isGreaterThanOrEqualTo(full.keys.size()).isLessThan(full.keys.size() + 12);
    }

    @Test
    void resumingAtTheEndHandsOnNothingButStillTheFunctionLibraries() {
        byte[] file = generated();
        Events e = read(file, file.length, options());
        assertThat(e.keys).isEmpty();
        assertThat(e.others).anyMatch(o -> o.startsWith("function #!lua name=lib1")).contains("end " + file.length);
    }

    @Test
    void offsetsOutsideTheFileAreRefusedWithOneClearLine() {
        byte[] file = generated();
        assertThatThrownBy(() -> read(file, file.length + 1, options()))
                .isInstanceOf(RdbFormatException.NotAKeyBoundary.class)
                .hasMessage(String.format(java.util.Locale.ROOT, "offset %,d is not a key boundary (the file's RDB data ends at offset %,d)",
                        file.length + 1, file.length));
        assertThatThrownBy(() -> read(file, 3, options()))
                .isInstanceOf(RdbFormatException.NotAKeyBoundary.class).hasMessageContaining("offset 3 is not a key boundary");
    }

    @Test
    void aDamagedValueBeforeTheOffsetIsStillFound() {
        byte[] file = generated();
        Events full = read(file, -1, options());
        byte[] damaged = file.clone();
        damaged[damaged.length - 20] ^= 0x55; // inside the last key or the EOF: the CRC-64 no longer matches
        long last = full.keyEnds.get(full.keyEnds.size() - 1);
        assertThatThrownBy(() -> read(damaged, last, options())).isInstanceOf(RdbFormatException.class);
    }

    static List<String> corpusFiles() {
        return Corpus.loadableByRedis70();
    }

    /** Real files: from up to 40 key ends (7 of files above 1 MB) spread over each, the keys after it, as a full read gives them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpusFiles")
    void corpusFilesResumeAtTheirKeyBoundaries(String name) throws IOException {
        byte[] file = Files.readAllBytes(Corpus.file(name));
        RdbReader.Options big = new RdbReader.Options().bigValueThreshold(4096).batchSize(100);
        Events full = read(file, -1, big);
        List<Long> ends = full.keyEnds;
        // a few from the files of megabytes, so the test stays quick
        int step = Math.max(1, ends.size() / (file.length > (1 << 20) ? 6 : 40));
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < ends.size(); i += step) offsets.add(ends.get(i));
        if (!ends.isEmpty()) offsets.add(ends.get(ends.size() - 1));
        for (long offset : offsets) {
            Events e = read(file, offset, new RdbReader.Options().bigValueThreshold(4096).batchSize(100));
            assertThat(e.keys).as("%s from %d", name, offset).isEqualTo(full.keysAfter(offset));
            assertThat(e.others).as("%s from %d", name, offset).isEqualTo(full.others);
        }
        // one byte inside a value is refused
        for (long[] inside : full.interiors.subList(0, Math.min(5, full.interiors.size()))) {
            if (inside[1] - inside[0] < 1) continue;
            assertThatThrownBy(() -> read(file, inside[0], big)).as(name).isInstanceOf(RdbFormatException.NotAKeyBoundary.class);
        }
    }

    /**
     * Skipping streams: the first 90% of a file (20 MB; {@code -Dferry.resumeSpeedMb=100} for the measurement) is
     * walked over without decoding, against a full read of it in the same run. Both times are printed, not
     * asserted: on a shared machine only their ratio means anything.
     */
    @Test
    void skippingNinetyPercentOfAFileStreams() throws IOException {
        Path file = Files.createTempFile("ferry-resume-speed", ".rdb");
        try {
            long[] ends = SpeedFile.write(file, Long.getLong("ferry.resumeSpeedMb", 20) << 20);
            long target = ends[(int) (ends.length * 0.9)];
            long bestFull = Long.MAX_VALUE;
            long bestResume = Long.MAX_VALUE;
            long[] counted = new long[2];
            for (int run = 0; run < 3; run++) {
                long t0 = System.nanoTime();
                counted[0] = count(file, -1);
                bestFull = Math.min(bestFull, System.nanoTime() - t0);
                t0 = System.nanoTime();
                counted[1] = count(file, target);
                bestResume = Math.min(bestResume, System.nanoTime() - t0);
            }
            System.out.printf(java.util.Locale.ROOT, "resume speed: %,d bytes, %,d keys: full read %.0f ms; resume at %,d (90%%) "
                            + "%.0f ms, handing on %,d keys%n", Files.size(file), counted[0], bestFull / 1e6, target,
                    bestResume / 1e6, counted[1]);
            assertThat(counted[0]).isEqualTo(ends.length);
            assertThat(counted[1]).isEqualTo(ends.length - 1 - (int) (ends.length * 0.9));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long count(Path file, long from) throws IOException {
        long[] keys = new long[1];
        try (InputStream in = Files.newInputStream(file)) {
            RdbReader r = new RdbReader(in, new RdbVisitor() {
                @Override public void keyValue(KeyValue kv) { keys[0]++; }
                @Override public void bigValueStart(BigValueStart s) { keys[0]++; }
                @Override public void elements(ElementBatch b) { }
                @Override public void bigValueEnd(BigValueEnd e) { }
            }, new RdbReader.Options());
            if (from < 0) r.read();
            else r.readFrom(from);
        }
        return keys[0];
    }

    /** Writes a file of small strings, hashes and lists (as a server's mix), returns every key's end offset. */
    static final class SpeedFile {
        static long[] write(Path file, long size) throws IOException {
            List<Long> ends = new ArrayList<>();
            try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                long[] at = {0};
                long[] crc = {0};
                java.util.function.Consumer<byte[]> put = b -> {
                    try {
                        out.write(b);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    crc[0] = Crc64.update(crc[0], b, 0, b.length);
                    at[0] += b.length;
                };
                put.accept("REDIS0010".getBytes());
                put.accept(new RdbOutput(4).u8(254).len(0).toByteArray());
                java.util.Random rnd = new java.util.Random(12);
                for (int i = 0; at[0] < size; i++) {
                    byte[] key = ("key:" + i).getBytes();
                    byte[] payload;
                    switch (i % 3) {
                        case 0 -> {
                            byte[] v = new byte[100 + rnd.nextInt(200)];
                            rnd.nextBytes(v);
                            payload = DumpPayload.string(v);
                        }
                        case 1 -> {
                            List<byte[]> f = new ArrayList<>();
                            List<byte[]> v = new ArrayList<>();
                            for (int j = 0; j < 10; j++) {
                                f.add(("field" + j).getBytes());
                                v.add(("value-" + rnd.nextInt()).getBytes());
                            }
                            payload = DumpPayload.hash(f, v, null, 10);
                        }
                        default -> {
                            List<byte[]> items = new ArrayList<>();
                            for (int j = 0; j < 20; j++) items.add(("elem-" + rnd.nextInt(1000)).getBytes());
                            payload = DumpPayload.list(items);
                        }
                    }
                    RdbOutput o = new RdbOutput(payload.length + key.length + 8);
                    o.u8(payload[0] & 0xff).string(key).bytes(payload, 1, payload.length - 1);
                    put.accept(o.toByteArray());
                    ends.add(at[0]);
                }
                put.accept(new byte[] {(byte) 255});
                out.write(new RdbOutput(8).longLE(crc[0]).toByteArray());
            }
            return ends.stream().mapToLong(Long::longValue).toArray();
        }
    }
}
