package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisServerExtensionTest {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension(b -> b.password("pw")).flushBeforeEach();

    @RegisterExtension
    final RedisServerExtension perTest = new RedisServerExtension();

    private static long firstPid;

    @Test
    @Order(1)
    void staticFieldGivesOneServerPerClass() {
        assertThat(redis.get().password()).isEqualTo("pw");
        assertThat(redis.get().cli("SET", "k", "v")).isEqualTo("OK");
        firstPid = redis.get().pid();
        assertThat(perTest.get()).isNotSameAs(redis.get());
    }

    @Test
    @Order(2)
    void sameServerNextTestButFlushed() {
        assertThat(redis.get().pid()).isEqualTo(firstPid);
        assertThat(redis.get().dbSize()).isZero();
        assertThat(perTest.get().pid()).isNotEqualTo(firstPid);
        assertThat(perTest.get().cli("PING")).isEqualTo("PONG");
    }

    @Nested
    class Inner {
        @Test
        void nestedClassReusesOuterServer() {
            assertThat(redis.get().pid()).isEqualTo(firstPid == 0 ? redis.get().pid() : firstPid);
            assertThat(redis.get().isAlive()).isTrue();
        }
    }
}
