package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.demo.SampleData;
import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.pipeline.ImportJob;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.pipeline.KeyFilter;
import dev.ferry.rdb.RdbReader;
import dev.ferry.rdb.RdbVisitor;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.FileOffset;
import dev.ferry.record.KeyValue;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.writer.WriterOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An import stopped part-way continues from the offset it confirmed: the second run skips the keys before it
 * (a key altered on the target in between stays as altered), writes only the keys after it, still loads the
 * function library the file holds before its keys, and the target ends equal to the saving server value by value.
 */
class ImportResumeIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    private static Path dir;
    private static Path file;
    private static Map<String, String> expected;
    private static List<String> expectedFunctions;
    /** Every key of the file in file order, "db:key", with where its record ends. */
    private static final List<String> keys = new ArrayList<>();
    private static final List<Long> ends = new ArrayList<>();

    @BeforeAll
    static void makeFile() throws Exception {
        dir = Files.createTempDirectory("ferry-resume");
        try (RedisServer s = RedisServer.builder().name("resume-source").start(); RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 11); // every type, big values, TTLs, dbs 0 and 1, a function library
            c.callOk("SELECT", "2");
            c.callOk("DEBUG", "POPULATE", "60000", "key", "40"); // enough keys that a stop lands part-way
            c.callOk("SELECT", "3");
            c.callOk("EVAL", String.join("\n",
                    "for i = 1, 5 do",
                    "  local h = {}",
                    "  for j = 1, 2000 do h[#h + 1] = 'f' .. j; h[#h + 1] = 'v' .. (i * j) end",
                    "  redis.call('HSET', 'big:hash:' .. i, unpack(h))",
                    "end",
                    "return 1"), "0");
            assertThat(s.cli("SAVE")).isEqualTo("OK");
            file = Files.copy(s.rdbPath(), dir.resolve("resume.rdb"));
            expected = Datasets.perKey(s);
            expectedFunctions = Datasets.functions(s);
        }
        assertThat(expectedFunctions).hasSize(1);
        try (InputStream in = Files.newInputStream(file)) {
            int[] db = {0};
            new RdbReader(in, new RdbVisitor() {
                @Override public void selectDb(int d) { db[0] = d; }
                @Override public void keyValue(KeyValue kv) { key(kv.db(), kv.key(), kv.position()); }
                @Override public void bigValueStart(BigValueStart s) { keys.add(s.db() + ":" + s(s.key())); }
                @Override public void elements(ElementBatch b) { }
                @Override public void bigValueEnd(BigValueEnd e) { ends.add(((FileOffset) e.position()).offset()); }
            }, new RdbReader.Options().bigValueThreshold(1024)).read();
        }
        assertThat(keys).hasSize(expected.size());
    }

    private static void key(int db, byte[] key, dev.ferry.record.Position at) {
        keys.add(db + ":" + s(key));
        ends.add(((FileOffset) at).offset());
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (file != null) Files.deleteIfExists(file);
        if (dir != null) Files.deleteIfExists(dir);
    }

    private static ImportJob.Settings settings() {
        // small big-value threshold and batches: the collections go in pieces
        WriterOptions w = WriterOptions.defaults();
        w = new WriterOptions(w.connections(), w.pipeline(), 7, w.replace(), w.failOnError(), w.failOnUnsupported(),
                w.mode(), w.reconnectTimeoutMs());
        return new ImportJob.Settings(file, RedisUri.parse(target.get().uri()), new KeyFilter(null, null, null, null, null),
                w, 1024, null);
    }

    /** Runs {@code job}, asking it to stop once {@code keys} keys were written. */
    private static ImportJob.Result stopAfter(ImportJob job, long keys) throws Exception {
        Thread watcher = new Thread(() -> {
            // ends when the count is reached or the run is over (interrupted below): bounded by the run
            while (!Thread.currentThread().isInterrupted()) {
                if (job.keysWritten() >= keys) {
                    job.requestStop();
                    return;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "stop-after-" + keys);
        watcher.start();
        try {
            return job.run();
        } finally {
            watcher.interrupt();
            watcher.join();
        }
    }

    private static void flushFunctions() {
        target.get().cli("FUNCTION", "FLUSH");
    }

    @Test
    void aStoppedImportContinuesFromItsConfirmedOffset() throws Exception {
        flushFunctions();
        ImportJob.Result first = stopAfter(new ImportJob(settings()), 20_000);
        assertThat(first.ending()).as("the first run stops part-way").isEqualTo(ImportJob.Ending.STOPPED);
        long offset = first.committedPosition();
        assertThat(offset).isGreaterThan(0).isLessThan(Files.size(file));
        assertThat(first.resumedAt()).isEqualTo(-1);
        assertThat(first.resumeNote()).isNull();
        assertThat(Datasets.functions(target.get())).as("a stopped run loads no library").isEmpty();
        int before = 0;
        while (before < ends.size() && ends.get(before) <= offset) before++;
        assertThat(ends).as("the confirmed offset is the end of a key").contains(offset);
        assertThat(first.keysWritten()).isEqualTo(before);

        // a key the first run wrote, altered on the target: the second run must leave it as it is
        String altered = null;
        for (int i = before - 1; i >= 0 && altered == null; i--) {
            if (keys.get(i).startsWith("2:key:")) altered = keys.get(i);
        }
        assertThat(altered).isNotNull();
        String alteredKey = altered.substring(2);
        byte[] original;
        try (RespConnection c = Datasets.connect(target.get())) {
            c.callOk("SELECT", "2");
            original = ((dev.ferry.resp.Reply.Bulk) c.callOk("GET", alteredKey)).bytes();
            c.callOk("SET", alteredKey, "altered between the runs");
        }

        ImportJob.Result second = new ImportJob(settings().withResumeFrom(offset)).run();
        assertThat(second.ending()).isEqualTo(ImportJob.Ending.COMPLETE);
        assertThat(second.resumedAt()).isEqualTo(offset);
        assertThat(second.resumeNote()).isEqualTo(String.format(java.util.Locale.ROOT, "resuming at offset %,d of resume.rdb", offset));
        assertThat(second.keysWritten()).as("only the keys after the offset").isEqualTo(keys.size() - before);
        assertThat(second.stats().keysRead.sum()).isEqualTo(keys.size() - before);
        // as in a run from the start: confirmed to the end of the file's last key
        assertThat(second.committedPosition()).isEqualTo(ends.get(ends.size() - 1));
        assertThat(second.functionsLoaded()).isEqualTo(1);

        try (RespConnection c = Datasets.connect(target.get())) {
            c.callOk("SELECT", "2");
            assertThat(c.callOk("GET", alteredKey).asText()).as("a key before the offset is not written again")
                    .isEqualTo("altered between the runs");
            c.call(new byte[][] {"SET".getBytes(), alteredKey.getBytes(StandardCharsets.ISO_8859_1), original});
        }
        assertThat(new TreeMap<>(Datasets.perKey(target.get()))).isEqualTo(expected);
        assertThat(Datasets.functions(target.get())).isEqualTo(expectedFunctions);
    }

    @Test
    void anOffsetInsideAKeyIsRefusedAndTheFileImportedFromTheStart() throws Exception {
        flushFunctions();
        long inside = ends.get(100) - 3;
        ImportJob.Result r = new ImportJob(settings().withResumeFrom(inside)).run();
        assertThat(r.ending()).isEqualTo(ImportJob.Ending.COMPLETE);
        assertThat(r.resumedAt()).isEqualTo(-1);
        assertThat(r.resumeNote()).isEqualTo(String.format(java.util.Locale.ROOT,
                "cannot resume: offset %,d is not a key boundary of resume.rdb; importing from the start", inside));
        assertThat(r.keysWritten()).isEqualTo(keys.size());
        assertThat(Datasets.perKey(target.get())).isEqualTo(expected);
        assertThat(Datasets.functions(target.get())).isEqualTo(expectedFunctions);
    }

    /** The per-key map of the target without Ferry's checkpoint hashes. */
    private static Map<String, String> data() {
        Map<String, String> out = new TreeMap<>(Datasets.perKey(target.get()));
        out.keySet().removeIf(k -> k.substring(k.indexOf(':') + 1).startsWith(CheckpointKeys.DEFAULT_PREFIX));
        return out;
    }

    /** The real path: the first run's checkpoint on the target, not a hook, tells the second run where to go on. */
    @Test
    void withCheckpointsTheSecondRunContinuesFromTheTargetsCheckpoint() throws Exception {
        flushFunctions();
        ReplicateJob.CheckpointSettings ckpt = new ReplicateJob.CheckpointSettings(CheckpointKeys.DEFAULT_PREFIX, false);
        List<String> notices = new java.util.concurrent.CopyOnWriteArrayList<>();
        ImportJob.Result first = stopAfter(new ImportJob(settings()).checkpoints(ckpt).notices(notices::add), 15_000);
        assertThat(first.ending()).isEqualTo(ImportJob.Ending.STOPPED);
        long offset = first.committedPosition();
        assertThat(ends).contains(offset);
        assertThat(notices).isEmpty();
        int before = 0;
        while (before < ends.size() && ends.get(before) <= offset) before++;

        // a copy of the file is another file (its mtime differs): its checkpoint is refused before anything is written
        Path copy = Files.copy(file, dir.resolve("copy.rdb"));
        try {
            Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
            ImportJob.Settings other = new ImportJob.Settings(copy, settings().target(), settings().filter(), settings().writer(),
                    1024, null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ImportJob(other).checkpoints(ckpt).run())
                    .isInstanceOf(dev.ferry.util.UsageException.class)
                    .hasMessageContaining("the target holds the checkpoint of another run: it is of source size=");
        } finally {
            Files.deleteIfExists(copy);
        }

        ImportJob.Result second = new ImportJob(settings()).checkpoints(ckpt).notices(notices::add).run();
        assertThat(notices).containsExactly(String.format(java.util.Locale.ROOT, "resuming resume.rdb from offset %,d", offset));
        assertThat(second.ending()).isEqualTo(ImportJob.Ending.COMPLETE);
        assertThat(second.resumedAt()).isEqualTo(offset);
        assertThat(second.keysWritten()).isEqualTo(keys.size() - before);
        assertThat(second.functionsLoaded()).isEqualTo(1);
        assertThat(data()).isEqualTo(expected);
        assertThat(Datasets.functions(target.get())).isEqualTo(expectedFunctions);
    }
}
