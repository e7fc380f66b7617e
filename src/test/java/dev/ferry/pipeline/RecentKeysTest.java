package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.checkpoint.CutoverSignal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentKeysTest {
    private static List<String> names(RecentKeys r) {
        return r.snapshot().stream().map(t -> t.db() + "/" + new String(t.key(), StandardCharsets.UTF_8)).toList();
    }

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsTheNewestDistinctKeysUpToItsLimit() {
        RecentKeys r = new RecentKeys(3);
        r.add(0, k("a"));
        r.add(0, k("b"));
        r.add(1, k("a")); // another db: another key
        r.add(0, k("a")); // written again: newest
        assertThat(names(r)).containsExactly("0/b", "1/a", "0/a");
        r.add(0, k("c"));
        assertThat(names(r)).containsExactly("1/a", "0/a", "0/c");
        r.clear();
        assertThat(r.snapshot()).isEmpty();
    }

    @Test
    void longKeysAreLeftOutOfTheList() {
        RecentKeys r = new RecentKeys(10);
        r.add(0, new byte[513]);
        r.add(0, new byte[512]);
        List<CutoverSignal.Touched> kept = r.snapshot();
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).key()).hasSize(512);
    }
}
