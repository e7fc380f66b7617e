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
}
