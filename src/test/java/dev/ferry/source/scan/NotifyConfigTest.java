package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NotifyConfigTest {
    @Test
    void nothingMissingWithKeyspaceAndEveryClass() {
        assertThat(NotifyConfig.missing("KA")).isEmpty();
        assertThat(NotifyConfig.missing("AKE")).isEmpty();
        assertThat(NotifyConfig.missing("Kg$lshzxet")).isEmpty();
    }

    @Test
    void namesWhatIsMissing() {
        assertThat(NotifyConfig.missing("")).isEqualTo("KA");
        assertThat(NotifyConfig.missing("Ex")).isEqualTo("KA");
        assertThat(NotifyConfig.missing("EA")).isEqualTo("K");
        // keyspace channel on, but expired and evicted keys would never be heard of
        assertThat(NotifyConfig.missing("Kg$lshz")).isEqualTo("A");
    }
}
