package dev.ferry.cli;

import dev.ferry.demo.LocalRedis;
import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start two throw-away local redis-servers, import a sample RDB holding every type from one into the other, and verify.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (LocalRedis source = LocalRedis.start("demo-source"); LocalRedis target = LocalRedis.start("demo-target")) {
            out.println("1. Source redis-server on 127.0.0.1:" + source.port() + ": writing sample data (every type and encoding, TTLs, 2 dbs, a stream with consumer groups, a function library)");
            Path rdb;
            try (RespConnection c = source.connect()) {
                SampleData.populate(c, 42);
                c.callOk("SAVE");
                rdb = source.dir().resolve("dump.rdb");
                out.println("   SAVE wrote " + rdb + " (" + Progress.bytes(Files.size(rdb)) + "), keyspace: " + keyspace(c));
            }
            out.println("2. Empty target redis-server on 127.0.0.1:" + target.port());
            out.println("3. ferry import " + rdb + " --target " + target.uri());
            out.flush();
            int code = Main.run(out, spec.commandLine().getErr(), "import", rdb.toString(), "--target", target.uri(), "--quiet");
            if (code != ExitCode.OK) {
                out.println("Demo failed: import exited with " + code);
                return code;
            }
            out.println("4. Verify: DEBUG DIGEST covers every key, type and value of every db");
            try (RespConnection s = source.connect(); RespConnection t = target.connect()) {
                String ds = s.callOk("DEBUG", "DIGEST").asText();
                String dt = t.callOk("DEBUG", "DIGEST").asText();
                out.println("   source keyspace: " + keyspace(s) + "  digest " + ds);
                out.println("   target keyspace: " + keyspace(t) + "  digest " + dt);
                String fs = s.call("FUNCTION", "LIST").toString();
                String ft = t.call("FUNCTION", "LIST").toString();
                boolean same = ds.equals(dt) && fs.equals(ft);
                out.println(same ? "Demo OK: the target holds exactly the source's data (and its function library)."
                        : "Demo FAILED: source and target differ.");
                return same ? ExitCode.OK : ExitCode.DIFFERENCES;
            }
        }
    }

    private static String keyspace(RespConnection c) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : dev.ferry.server.Topology.info(c, "keyspace").entrySet()) {
            if (sb.length() > 0) sb.append(' ');
            String v = e.getValue();
            int comma = v.indexOf(',', v.indexOf(',') + 1);
            sb.append(e.getKey()).append(':').append(comma > 0 ? v.substring(0, comma) : v);
        }
        return sb.toString();
    }
}
