package dev.ferry.source.scan;

import dev.ferry.resp.RespConnection;
import java.util.Random;

/** Random writes of every kind a live copy must follow, including deletions and short expiries. */
final class Workload {
    private Workload() {
    }

    /** Runs for {@code millis} against {@code c}; returns the number of commands sent. */
    static long run(RespConnection c, long millis, int seed) {
        Random rnd = new Random(seed);
        long end = System.currentTimeMillis() + millis;
        long n = 0;
        while (System.currentTimeMillis() < end) {
            String k = "live:" + rnd.nextInt(300);
            switch (rnd.nextInt(10)) {
                case 0: c.callOk("SET", k, "v" + rnd.nextInt()); break;
                case 1: c.callOk("DEL", k, "h" + k, "l" + k); break;
                case 2: c.callOk("HSET", "h" + k, "f" + rnd.nextInt(20), "x" + rnd.nextInt()); break;
                case 3: c.callOk("RPUSH", "l" + k, "e" + rnd.nextInt()); break;
                case 4: c.callOk("SET", "ttl:" + rnd.nextInt(50), "short", "PX", Integer.toString(20 + rnd.nextInt(200))); break;
                case 5: c.call("PEXPIRE", "h" + k, "60000"); break;
                case 6: c.callOk("ZADD", "z" + k, Double.toString(rnd.nextGaussian()), "m" + rnd.nextInt(30)); break;
                case 7: c.callOk("SADD", "s" + k, "m" + rnd.nextInt(30)); break;
                case 8: c.call("INCR", "counter:" + rnd.nextInt(5)); break;
                default: c.call("PEXPIRE", k, Integer.toString(30 + rnd.nextInt(100))); break;
            }
            n++;
        }
        return n;
    }
}
