package dev.ferry.verify;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Sends a batch of commands in one write and reads their replies in order. */
final class Pipeline {
    private final List<Object[]> commands = new ArrayList<>();

    Pipeline add(Object... args) {
        commands.add(args);
        return this;
    }

    int size() {
        return commands.size();
    }

    List<Reply> run(RespConnection c) {
        List<Reply> out = new ArrayList<>(commands.size());
        if (commands.isEmpty()) return out;
        try {
            RespOutput o = new RespOutput(64 * commands.size());
            for (Object[] cmd : commands) {
                o.command(cmd.length);
                for (Object a : cmd) {
                    if (a instanceof byte[] b) o.arg(b);
                    else if (a instanceof Long l) o.arg(l);
                    else if (a instanceof Integer i) o.arg((long) i);
                    else o.arg(a.toString());
                }
            }
            o.writeTo(c.output());
            c.output().flush();
            for (int i = 0; i < commands.size(); i++) out.add(c.reader().read());
        } catch (IOException e) {
            throw new UncheckedIOException("connection to " + c.address() + " failed: " + e.getMessage(), e);
        }
        commands.clear();
        return out;
    }
}
