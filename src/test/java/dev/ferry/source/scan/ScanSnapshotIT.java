package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A one-off scan copy of a standalone source, by DUMP and by type reads, compared key by key. */
class ScanSnapshotIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("scan-src")
            .user("nodump", "on", ">pw", "~*", "&*", "+@all", "-dump")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("scan-dst")).flushBeforeEach();

    private static void populate(RedisServer s, int seed) {
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, seed);
        }
    }

    @Test
    void everyTypeIsCopiedByDump() throws Exception {
        populate(source.get(), 7);
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(), ScanSettings.defaults().withBatchSize(7))) {
            run.source.snapshot();
            assertThat(run.stats.failedCount()).isZero();
            assertThat(run.source.counters().typeReads.sum()).isZero();
            assertThat(run.source.shards()).hasSize(1);
            assertThat(run.source.shards().get(0).keysRead.sum()).isEqualTo(Datasets.perKey(source.get()).size());
        }
        assertThat(Datasets.perKey(target.get())).isEqualTo(Datasets.perKey(source.get())).isNotEmpty();
    }

    @Test
    void typeReadsCopyEveryTypeButStreamsWhenDumpIsRefused() throws Exception {
        populate(source.get(), 8);
        String noDump = "redis://nodump:pw@" + source.get().hostAndPort();
        try (ScanRun run = new ScanRun(noDump, target.get().uri(), ScanSettings.defaults().withBatchSize(100))) {
            run.source.snapshot();
            assertThat(run.source.counters().typeReads.sum()).isPositive();
            assertThat(run.stats.skippedByReason().keySet()).anyMatch(r -> r.contains("stream"));
            assertThat(run.stats.failedCount()).isZero();
        }
        assertThat(Datasets.perKey(target.get())).isEqualTo(withoutStreams(Datasets.perKey(source.get())));
    }

    @Test
    void forcedTypeReadsMatchDumpForSmallAndBigEncodings() throws Exception {
        populate(source.get(), 9);
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(),
                ScanSettings.defaults().withForceTypeReads(true).withBatchSize(64))) {
            run.source.snapshot();
        }
        assertThat(Datasets.perKey(target.get())).isEqualTo(withoutStreams(Datasets.perKey(source.get())));
    }

    @Test
    void filterAndDbMapApply() throws Exception {
        populate(source.get(), 10);
        var filter = new dev.ferry.pipeline.KeyFilter(null, Map.of(1, 5), java.util.List.of("*"),
                java.util.List.of("hash:*"), null);
        try (ScanRun run = new ScanRun(source.get().uri(), target.get().uri(), ScanSettings.defaults(), filter)) {
            run.source.snapshot();
            assertThat(run.stats.filtered.sum()).isPositive();
        }
        Map<String, String> expected = new TreeMap<>();
        Datasets.perKey(source.get()).forEach((k, v) -> {
            if (k.startsWith("0:hash:")) return;
            expected.put(k.startsWith("1:") ? "5:" + k.substring(2) : k, v);
        });
        assertThat(Datasets.perKey(target.get())).isEqualTo(expected);
    }

    static Map<String, String> withoutStreams(Map<String, String> perKey) {
        Map<String, String> out = new TreeMap<>(perKey);
        out.values().removeIf(v -> v.startsWith("stream "));
        return out;
    }
}
