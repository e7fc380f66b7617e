package dev.ferry.writer;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import java.util.concurrent.atomic.LongAdder;

/** One target node: its pipelined connections, and a plain connection for synchronous checks. */
final class Node {
    final HostPort address;
    private final int pipeline;
    private final ConnectOptions connectOptions;
    private final PipelinedConnection.ReplyHandler handler;
    private final LongAdder bytesSent;
    /** Replaced as a whole when broken connections are repaired, so readers never see a half-built array. */
    private volatile PipelinedConnection[] conns;
    private RespConnection control;
    /** Throws when the server behind a newly opened control connection is not the process first written to. */
    private final java.util.function.Consumer<RespConnection> controlCheck;

    Node(HostPort address, int connections, int pipeline, ConnectOptions connectOptions,
         PipelinedConnection.ReplyHandler handler, LongAdder bytesSent, java.util.function.Consumer<RespConnection> controlCheck) {
        this.address = address;
        this.controlCheck = controlCheck;
        this.pipeline = pipeline;
        this.connectOptions = connectOptions;
        this.handler = handler;
        this.bytesSent = bytesSent;
        PipelinedConnection[] cs = new PipelinedConnection[connections];
        try {
            for (int i = 0; i < cs.length; i++) cs[i] = connect(i);
        } catch (RuntimeException e) {
            for (PipelinedConnection c : cs) if (c != null) c.close();
            throw e;
        }
        this.conns = cs;
    }

    private PipelinedConnection connect(int i) {
        return new PipelinedConnection(RespConnection.open(address, connectOptions), pipeline, handler,
                "ferry-target-" + address + "-" + i, bytesSent);
    }

    PipelinedConnection[] connections() {
        return conns;
    }

    /** Replaces broken connections with new ones and returns the ones replaced; throws if the node cannot be reached. */
    synchronized java.util.List<PipelinedConnection> repair() {
        PipelinedConnection[] cs = conns.clone();
        java.util.List<PipelinedConnection> replaced = new java.util.ArrayList<>();
        for (int i = 0; i < cs.length; i++) {
            if (cs[i].brokenReason() != null) {
                replaced.add(cs[i]);
                cs[i] = connect(i);
            }
        }
        // the node dropped our connections, so its control connection is dead too (a socket closed by the peer
        // does not look closed here until used)
        if (control != null) {
            control.close();
            control = null;
        }
        conns = cs;
        return replaced;
    }

    boolean anyBroken() {
        for (PipelinedConnection c : conns) if (c.brokenReason() != null) return true;
        return false;
    }

    /**
     * The plain connection, opened again when it was closed. Each opening is checked to be the same server process
     * ({@link #controlCheck}): a target that restarted under the run must not get Ferry's checkpoint, whose
     * positions the process that died had confirmed (a restart would resume from them over the lost writes).
     */
    synchronized RespConnection control() {
        if (control == null || control.isClosed()) {
            RespConnection c = RespConnection.open(address, connectOptions);
            try {
                controlCheck.accept(c);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            control = c;
        }
        return control;
    }


    void close() {
        for (PipelinedConnection c : conns) c.close();
        synchronized (this) {
            if (control != null) control.close();
        }
    }
}
