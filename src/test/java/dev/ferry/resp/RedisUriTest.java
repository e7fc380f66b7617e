package dev.ferry.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisUriTest {

    @Test
    void plainRedisWithCredentialsDbAndTls() {
        RedisUri u = RedisUri.parse("redis://alice:p%40ss+w@10.0.0.5:6380/3?tls=true&cacert=/tmp/ca.pem&timeout=2500");
        assertThat(u.kind()).isEqualTo(RedisUri.Kind.REDIS);
        assertThat(u.first()).isEqualTo(new RedisUri.HostPort("10.0.0.5", 6380));
        assertThat(u.user()).isEqualTo("alice");
        assertThat(u.password()).isEqualTo("p@ss+w");
        assertThat(u.db()).isEqualTo(3);
        assertThat(u.tls()).isTrue();
        assertThat(u.caCertFile()).isEqualTo("/tmp/ca.pem");
        assertThat(u.timeoutMs()).isEqualTo(2500);
        assertThat(u.redacted()).doesNotContain("p%40ss+w").contains("***");
    }

    @Test
    void passwordOnlyRedissAndDefaults() {
        RedisUri u = RedisUri.parse("rediss://:secret@host");
        assertThat(u.user()).isNull();
        assertThat(u.password()).isEqualTo("secret");
        assertThat(u.tls()).isTrue();
        assertThat(u.first().port()).isEqualTo(6379);
        assertThat(RedisUri.parse("127.0.0.1:7000").first().port()).isEqualTo(7000);
    }

    @Test
    void clusterAndSentinel() {
        RedisUri c = RedisUri.parse("redis-cluster://h1:7000,h2:7001");
        assertThat(c.kind()).isEqualTo(RedisUri.Kind.CLUSTER);
        assertThat(c.hosts()).containsExactly(new RedisUri.HostPort("h1", 7000), new RedisUri.HostPort("h2", 7001));
        RedisUri s = RedisUri.parse("redis-sentinel://s1:26379,s2:26380/mymaster/2?sentinel-password=x");
        assertThat(s.kind()).isEqualTo(RedisUri.Kind.SENTINEL);
        assertThat(s.sentinelMaster()).isEqualTo("mymaster");
        assertThat(s.db()).isEqualTo(2);
        assertThat(s.sentinelPassword()).isEqualTo("x");
        assertThat(RedisUri.parse("dragonfly://df:6379").kind()).isEqualTo(RedisUri.Kind.DRAGONFLY);
    }

    @Test
    void badUrisSayWhatIsWrongWithoutLeakingThePassword() {
        assertThatThrownBy(() -> RedisUri.parse("http://x:1")).hasMessageContaining("unknown scheme 'http'");
        assertThatThrownBy(() -> RedisUri.parse("redis://u:hunter2@x:99999")).hasMessageContaining("out of range")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> RedisUri.parse("redis://x:abc")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> RedisUri.parse("redis://a:1,b:2")).hasMessageContaining("redis-cluster://");
        assertThatThrownBy(() -> RedisUri.parse("redis-sentinel://s:1")).hasMessageContaining("master name");
        assertThatThrownBy(() -> RedisUri.parse("redis://x:1?colour=red")).hasMessageContaining("unknown option 'colour'");
        assertThatThrownBy(() -> RedisUri.parse("")).hasMessageContaining("empty");
    }

    /** The example printed "bad percent escape in 'p@ss:w/rd%'". */
    @Test
    void aBadPercentEscapeInThePasswordSaysWhereWithoutShowingIt() {
        assertThatThrownBy(() -> RedisUri.parse("redis://:p@ss:w/rd%@127.0.0.1:7105"))
                .hasMessage("bad URI 'redis://***@127.0.0.1:7105': bad percent escape in the password: '%' must be followed "
                        + "by two hex digits (write a '%' itself as %25)");
        assertThatThrownBy(() -> RedisUri.parse("redis://127.0.0.1:7105?password=hunter2%zz"))
                .hasMessageNotContaining("hunter2").hasMessageContaining("in the value of option 'password'");
    }

    @Test
    void aUriWithoutSchemeHasItsPasswordMaskedToo() {
        assertThatThrownBy(() -> RedisUri.parse(":hunter2@127.0.0.1:70000"))
                .hasMessage("bad URI '***@127.0.0.1:70000': port 70000 out of range");
        assertThat(RedisUri.parse("u:hunter2@127.0.0.1:7000").redacted()).isEqualTo("***@127.0.0.1:7000");
    }

    /** An unencoded '?' in a password starts the query inside it: the parts after it are not quoted back. */
    @Test
    void partsOfACutPasswordAreNotQuoted() {
        assertThatThrownBy(() -> RedisUri.parse("redis://:hun?ter2@127.0.0.1:7105"))
                .hasMessageNotContaining("ter2").hasMessageContaining("empty host (a '?' in a password must be written %3F)");
        assertThatThrownBy(() -> RedisUri.parse("redis://:hun/ter2@127.0.0.1:7105/x"))
                .hasMessageNotContaining("ter2").hasMessageContaining("database 'x' is not a number");
    }

    @Test
    void scrubMasksUrisInFreeText() {
        assertThat(RedisUri.scrub("Unmatched argument at index 2: 'redis://:hunter2@127.0.0.1:1'"))
                .isEqualTo("Unmatched argument at index 2: 'redis://***@127.0.0.1:1'");
        assertThat(RedisUri.scrub("Unknown option: '--targte=rediss://u:p@ss@h:1?password=hunter2&tls=true'"))
                .doesNotContain("hunter2").doesNotContain("p@ss").contains("rediss://***@h:1?password=***&tls=true");
        assertThat(RedisUri.scrub("Unmatched argument: ':hunter2@127.0.0.1:1'")).isEqualTo("Unmatched argument: '***@127.0.0.1:1'");
        assertThat(RedisUri.scrub("Unknown option: '--sampel'")).isEqualTo("Unknown option: '--sampel'");
    }
}
