package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --rate-limit} holds for scan mode's keys as for a replica's, since every source's keys go through the one
 * pipeline stage. It used to pass only a keys-per-second figure to the scan, so a byte rate ran unlimited.
 */
class ScanRateLimitIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("scanrate-src")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("scanrate-dst")).flushBeforeEach();

    private static final int KEYS = 600;
    private static final int VALUE_BYTES = 1_000;

    @Test
    void aByteRateLimitHoldsInScanMode() {
        fill();
        long t0 = System.nanoTime();
        Cli.Result r = Cli.run("replicate", "--scan", "--mode", "snapshot", "--source", source.get().uri(),
                "--target", target.get().uri(), "--rate-limit", "200kb", "-q");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exitCode()).as(r.toString()).isZero();
        // ~600 KB of values at 200 KiB/s: close to 3 s; unlimited, this copy takes a fraction of a second. Only a
        // floor is asserted: a slow machine may take longer, never shorter
        assertThat(ms).as("the copy took %d ms", ms).isGreaterThanOrEqualTo(2_000);
        assertThat(Datasets.perKey(target.get())).isEqualTo(Datasets.perKey(source.get()));
    }

    /** Values that do not compress: the limit counts the bytes as serialised (LZF-compressed where that pays). */
    private static void fill() {
        java.util.Random random = new java.util.Random(42);
        try (RespConnection c = Datasets.connect(source.get())) {
            RespOutput out = new RespOutput(64 * 1024);
            for (int i = 0; i < KEYS; i++) {
                byte[] value = new byte[VALUE_BYTES];
                random.nextBytes(value);
                out.command(3).arg("SET").arg("key:" + i).arg(value);
            }
            out.writeTo(c.output());
            c.output().flush();
            for (int i = 0; i < KEYS; i++) assertThat(c.reader().read().isError()).isFalse();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
