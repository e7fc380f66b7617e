package dev.ferry.testkit.dragonfly;

import dev.ferry.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Runs the emulator as a process for bench/dragonfly-vs-pipe.sh: starts the backing redis-server, prints
 * {@code backing <port>}, waits for a line on stdin (the script loads the data meanwhile), starts the master,
 * prints {@code dragonfly <port>}, and runs until stdin closes. Arguments: flows, compression (NONE, LZ4, ZSTD).
 */
public final class EmulatorMain {
    private EmulatorMain() {
    }

    public static void main(String[] args) throws Exception {
        int flows = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        Compression compression = args.length > 1 ? Compression.valueOf(args[1]) : Compression.LZ4;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (RedisServer backing = RedisServer.builder().name("bench-dragonfly-data").start()) {
            System.out.println("backing " + backing.port());
            System.out.flush();
            if (in.readLine() == null) return;
            try (DragonflyMaster m = DragonflyMaster.builder(backing).flows(flows).compression(compression).cacheSnapshots(true).start()) {
                System.out.println("dragonfly " + m.port());
                System.out.flush();
                while (in.readLine() != null) {
                    System.out.println("full syncs " + m.fullSyncs());
                    System.out.flush();
                }
            }
        }
    }
}
