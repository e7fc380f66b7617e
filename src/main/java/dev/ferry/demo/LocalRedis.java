package dev.ferry.demo;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away redis-server for the demo: a plain child process on a free loopback port, in its own
 * temp dir, with persistence off, stopped by its own PID.
 */
public final class LocalRedis implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private LocalRedis(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static LocalRedis start(String name) throws IOException {
        if (!onPath("redis-server")) {
            throw new IOException("redis-server is not installed: run 'sudo apt-get install -y redis-server redis-tools'");
        }
        Path dir = Files.createTempDirectory("ferry-" + name + "-");
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0",
                    "--enable-debug-command", "yes", "--logfile", dir.resolve("redis.log").toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            LocalRedis r = new LocalRedis(p, port, dir);
            if (r.awaitReady()) return r;
            r.close();
            last = new IOException("redis-server did not start on port " + port + " (see " + dir.resolve("redis.log") + ")");
        }
        throw last;
    }

    private boolean awaitReady() {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline && process.isAlive()) {
            try (RespConnection c = connect()) {
                if ("PONG".equals(c.call("PING").toString())) return true;
            } catch (RedisConnectionException e) {
                sleep(20);
            }
        }
        return false;
    }

    public RespConnection connect() {
        return RespConnection.open(new HostPort("127.0.0.1", port), ConnectOptions.plain());
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(dir.toFile());
    }

    private static void deleteTree(File f) {
        File[] children = f.listFiles();
        if (children != null) for (File c : children) deleteTree(c);
        f.delete();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(File.pathSeparator)) if (new File(d, exe).canExecute()) return true;
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
