package dev.ferry.cutover;

// TEMPORARY STUB: replaced by the cut-sentinel branch before merging
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;

final class SentinelSwitch {
    static SentinelSwitch of(RedisUri uri) { throw new UnsupportedOperationException(); }
    HostPort currentMaster() { return null; }
    String switchTo(HostPort m, String user, String password, long timeoutMs) { return null; }
    void undo(long timeoutMs) { }
    void forgetOldServers(long timeoutMs) { }
}
