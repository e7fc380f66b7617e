package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RedisUri.HostPort;
import org.junit.jupiter.api.Test;

class RedirectTest {
    @Test
    void movedNamesTheSlotAndItsNewOwner() {
        assertThat(Redirect.parse("MOVED 3999 127.0.0.1:6381"))
                .isEqualTo(new Redirect(false, 3999, new HostPort("127.0.0.1", 6381)));
    }

    @Test
    void askSendsOneCommandElsewhere() {
        assertThat(Redirect.parse("ASK 12182 10.0.0.7:7002"))
                .isEqualTo(new Redirect(true, 12182, new HostPort("10.0.0.7", 7002)));
    }

    @Test
    void anIpv6AddressKeepsItsColonsAndThePortFollowsTheLastOne() {
        assertThat(Redirect.parse("MOVED 0 ::1:7000")).isEqualTo(new Redirect(false, 0, new HostPort("::1", 7000)));
    }
}
