package dev.ferry.testkit;

import dev.ferry.resp.RespOutput;
import java.util.List;

/**
 * One unit of work of a {@link Workload}: a few commands that must reach the same node, in order (a MULTI/EXEC
 * block, XGROUP CREATE + XREADGROUP, or just one command). In a cluster they all live in {@code slot}.
 *
 * @param slot the hash slot of every key the commands touch, or -1 when they touch none (SELECT)
 */
record WorkloadOp(int slot, List<byte[][]> commands) {

    int replies() {
        return commands.size();
    }

    void encode(RespOutput out) {
        for (byte[][] cmd : commands) {
            out.command(cmd.length);
            for (byte[] arg : cmd) out.arg(arg);
        }
    }
}
