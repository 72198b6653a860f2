package org.ykrw.core.pass;

import java.util.List;
import org.ykrw.core.diag.PhaseTimer;

/**
 * Runs passes in the order they were given (which is the order they insert probes in, so it is part
 * of the output), timing each ({@code -Dykrw.timing=true} shows one line per pass), and with
 * {@code verify} checks the IR with a {@link CfgVerifier} before the first pass and after each one.
 */
public final class PassManager {
    private final List<Pass> passes;
    private final boolean verify;

    /**
     * @param passes the passes, in the order they run
     * @param verify check the IR's invariants after lifting and after each pass
     */
    public PassManager(List<Pass> passes, boolean verify) {
        this.passes = List.copyOf(passes);
        this.verify = verify;
    }

    /** @return the passes, in the order they run */
    public List<Pass> passes() {
        return passes;
    }

    /**
     * Runs every pass over {@code input}'s program.
     *
     * @param input what the passes read
     * @param requests what they ask of the output
     * @param verifier the checks to run (when this manager verifies)
     * @throws IrVerificationException when a check fails, naming the pass that ran last
     */
    public void run(PassInput input, PassRequests requests, CfgVerifier verifier) {
        run(input, requests, verifier, i -> { });
    }

    /**
     * As {@link #run(PassInput, PassRequests, CfgVerifier)}, telling {@code starting} the number of each
     * pass before it runs (progress on a terminal).
     */
    public void run(PassInput input, PassRequests requests, CfgVerifier verifier, java.util.function.IntConsumer starting) {
        if (verify) {
            verifier.verify(input.program(), "lift");
        }
        for (int i = 0; i < passes.size(); i++) {
            Pass p = passes.get(i);
            starting.accept(i);
            p.run(input, requests);
            PhaseTimer.mark("pass " + p.name());
            if (verify) {
                verifier.verify(input.program(), "pass " + p.name());
                PhaseTimer.mark("verify after " + p.name());
            }
        }
    }

    /**
     * Runs every pass, checking (when this manager verifies) that probes are only in functions that
     * move.
     *
     * @param input what the passes read
     * @param requests what they ask of the output
     */
    public void run(PassInput input, PassRequests requests) {
        run(input, requests, new CfgVerifier(input::isRelocated));
    }
}
