package dev.ferry.it;

import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.capture.CaptureReplay;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DragonflySmokeIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    @Test
    void smoke() throws Exception {
        for (String sc : new String[] {"basic-lz4", "partial-resync", "flushall-during-fullsync", "bigvalues"}) {
            try (CaptureReplay replay = CaptureReplay.start(sc); LiveRun run = LiveRun.start("dragonfly://127.0.0.1:" + replay.port(), target.get().uri())) {
                System.out.println(sc + " delivered=" + replay.awaitDelivered(Duration.ofSeconds(30)));
                Thread.sleep(1500);
                var r = run.stop();
                System.out.println(sc + " result " + r.shards() + " keys=" + r.keysWritten() + " cmds=" + r.commandsApplied()
                        + " failed=" + r.stats().failedByReason() + " dbsize=" + target.get().cli("DBSIZE"));
                System.out.println(sc + " problems " + replay.problems() + " deviations " + replay.deviations());
                for (String s : new String[] {"SYNC1", "SYNC2"}) for (int f = -1; f < 2; f++) System.out.println(s + " " + f + " " + replay.commands(s, f) + " acks " + (f >= 0 ? replay.acks(s, f) : ""));
            }
            target.get().cli("FLUSHALL");
        }
    }
}
