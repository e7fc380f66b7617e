package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.writer.WriteListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Function libraries a Dragonfly target cannot take (it has no FUNCTION LOAD): not tried, each counted as skipped. */
class FunctionLoaderTest {
    private static byte[] lib(String name) {
        return ("#!lua name=" + name + "\nredis.register_function('f_" + name + "', function(k, a) return 1 end)")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void librariesADragonflyTargetCannotTakeAreSkippedByName() {
        List<String> skipped = new ArrayList<>();
        WriteListener outcomes = new WriteListener() {
            @Override public void failed(int db, byte[] key, String reason) {
                throw new AssertionError("not tried, so never failed: " + reason);
            }

            @Override public void skipped(int db, byte[] key, String reason) {
                skipped.add(db + " " + new String(key, StandardCharsets.UTF_8) + ": " + reason);
            }
        };
        FunctionLoader.notCopied(List.of(lib("mylib"), lib("other")), "Dragonfly 1.40.1", outcomes);
        assertThat(skipped).containsExactly(
                "0 library mylib: function library not copied: Dragonfly 1.40.1 has no FUNCTION LOAD",
                "0 library other: function library not copied: Dragonfly 1.40.1 has no FUNCTION LOAD");

        skipped.clear();
        FunctionLoader.notCopied(List.of(), "Dragonfly 1.40.1", outcomes);
        assertThat(skipped).as("no library, nothing to say").isEmpty();
    }
}
