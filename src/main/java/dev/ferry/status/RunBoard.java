package dev.ferry.status;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * One run as the status endpoint knows it: what it reads the run through, when it started, its id (random, to tell
 * one run's series from the next), its rates and its history.
 */
public final class RunBoard {
    private final RunView view;
    private final String runId;
    private final long startedAt = System.currentTimeMillis();
    private final History history = new History();
    private final Sampler sampler;

    public RunBoard(RunView view) {
        this.view = view;
        byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        this.runId = HexFormat.of().formatHex(id);
        this.sampler = new Sampler(view, history);
    }

    public RunView view() {
        return view;
    }

    public String runId() {
        return runId;
    }

    long startedAt() {
        return startedAt;
    }

    History history() {
        return history;
    }

    Sampler.Rates rates() {
        return sampler.rates();
    }

    void sample() {
        sampler.tick();
    }

    /** Ferry's version ("dev" when the build did not say). */
    String version() {
        String v = dev.ferry.util.BuildInfo.version();
        return v == null ? "dev" : v;
    }

    public String phase() {
        return view.phase();
    }
}
